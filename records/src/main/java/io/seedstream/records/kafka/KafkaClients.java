package io.seedstream.records.kafka;

import java.util.Properties;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/** Plain Kafka clients outside Flink: producers of encoded records. */
public final class KafkaClients {

    private KafkaClients() {}

    /** A producer of bytes whose requests fit the largest model snapshot. */
    public static KafkaProducer<byte[], byte[]> producer(String bootstrapServers) {
        Properties p = new Properties();
        p.put("bootstrap.servers", bootstrapServers);
        p.put("max.request.size", TopicSetup.MAX_MODEL_BYTES);
        p.put("key.serializer", ByteArraySerializer.class.getName());
        p.put("value.serializer", ByteArraySerializer.class.getName());
        return new KafkaProducer<>(p);
    }
}
