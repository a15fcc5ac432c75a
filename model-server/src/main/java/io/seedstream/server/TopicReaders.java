package io.seedstream.server;

import io.seedstream.records.kafka.KafkaConnection;
import io.seedstream.records.kafka.TopicSetup;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** What the server's topic readers share: committed reads without a group, and waiting for topics. */
final class TopicReaders {

    private static final Logger LOG = LoggerFactory.getLogger(TopicReaders.class);

    private TopicReaders() {}

    /** Reads only committed records (the jobs write transactionally); fetches fit the largest model. */
    static KafkaConsumer<byte[], byte[]> committedConsumer(KafkaConnection kafka, String clientId) {
        Properties properties = kafka.properties();
        properties.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        properties.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        properties.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, TopicSetup.MAX_MODEL_BYTES);
        properties.put(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, TopicSetup.MAX_MODEL_BYTES);
        properties.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
        return new KafkaConsumer<>(properties, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    /** Waits until the topic exists (the jobs may create it after the server starts); empty once not running. */
    static List<TopicPartition> awaitPartitions(KafkaConsumer<?, ?> consumer, String topic, BooleanSupplier running) {
        while (running.getAsBoolean()) {
            try {
                List<PartitionInfo> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(5));
                if (partitions != null && !partitions.isEmpty()) {
                    return partitions.stream()
                            .map(p -> new TopicPartition(topic, p.partition()))
                            .toList();
                }
            } catch (TimeoutException e) {
                LOG.warn("waiting for Kafka to list topic {}: {}", topic, e.getMessage());
            }
            try {
                Thread.sleep(1000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return List.of();
            }
        }
        return List.of();
    }
}
