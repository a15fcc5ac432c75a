package io.seedstream.flink;

import io.seedstream.flink.common.KafkaWiring;
import io.seedstream.records.kafka.KafkaClients;
import io.seedstream.records.kafka.KafkaConnection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;

/** Plain Kafka clients for the integration tests: a producer of bytes, and a reader of committed records. */
public final class KafkaTestClients {

    private KafkaTestClients() {}

    public static KafkaProducer<byte[], byte[]> producer(String bootstrapServers) {
        return KafkaClients.producer(KafkaConnection.plain(bootstrapServers));
    }

    /**
     * The committed records of a topic (read_committed, from the start, as a new group), waiting up
     * to {@code seconds} for the expected number and then half a second more for any extras.
     */
    public static List<ConsumerRecord<byte[], byte[]>> readCommitted(
            String bootstrapServers, String topic, int expected, int seconds) {
        return readCommitted(KafkaConnection.plain(bootstrapServers), topic, expected, seconds);
    }

    /** {@link #readCommitted(String, String, int, int)} with the connection's client properties. */
    public static List<ConsumerRecord<byte[], byte[]>> readCommitted(
            KafkaConnection kafka, String topic, int expected, int seconds) {
        List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = KafkaWiring.committedReader(kafka, "reader-")) {
            consumer.subscribe(List.of(topic));
            long deadline = System.currentTimeMillis() + seconds * 1000L;
            while (records.size() < expected && System.currentTimeMillis() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            }
            consumer.poll(Duration.ofMillis(500)).forEach(records::add);
        }
        return records;
    }
}
