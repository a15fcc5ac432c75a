package io.seedstream.records.kafka;

import java.util.Properties;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/** Plain Kafka clients outside Flink: producers of encoded records. */
public final class KafkaClients {

    private KafkaClients() {}

    /** A producer of bytes whose requests fit the largest model snapshot. */
    public static KafkaProducer<byte[], byte[]> producer(KafkaConnection kafka) {
        Properties p = kafka.properties();
        p.put("max.request.size", TopicSetup.MAX_MODEL_BYTES);
        p.put("key.serializer", ByteArraySerializer.class.getName());
        p.put("value.serializer", ByteArraySerializer.class.getName());
        return new KafkaProducer<>(p);
    }

    /**
     * Closes a client on a thread that may have been interrupted to stop (Ctrl-C): Kafka's clients
     * close cleanly (a consumer leaves its group, a producer joins its I/O thread) only without the
     * interrupt, and otherwise log an ERROR with a stack trace. The interrupt is set again afterwards.
     */
    public static void closeAfterInterrupt(AutoCloseable client) {
        boolean interrupted = Thread.interrupted();
        try {
            client.close();
        } catch (Exception e) {
            throw new IllegalStateException(
                    "could not close " + client.getClass().getSimpleName() + ": " + e.getMessage(), e);
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
