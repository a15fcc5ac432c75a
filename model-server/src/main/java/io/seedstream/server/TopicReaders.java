package io.seedstream.server;

import io.seedstream.records.kafka.KafkaConnection;
import io.seedstream.records.kafka.TopicSetup;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.WakeupException;
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

    /**
     * Waits until the topic exists (the jobs may create it after the server starts) and may be read
     * (an ACL may grant it later); empty once not running. Why it waits is kept in {@code problem}.
     */
    static List<TopicPartition> awaitPartitions(
            Consumer<?, ?> consumer, String topic, BooleanSupplier running, FeedProblem problem) {
        while (running.getAsBoolean()) {
            try {
                List<PartitionInfo> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(5));
                if (partitions != null && !partitions.isEmpty()) {
                    problem.clear();
                    return partitions.stream()
                            .map(p -> new TopicPartition(topic, p.partition()))
                            .toList();
                }
            } catch (TimeoutException e) {
                problem.report("waiting for Kafka to list topic " + topic + ": " + e.getMessage());
            } catch (WakeupException | InterruptException e) {
                throw e;
            } catch (KafkaException e) { // e.g. an ACL that does not let this client describe the topic
                problem.report(describe(e));
            }
            if (!pause(problem.retryAfter())) {
                return List.of();
            }
        }
        return List.of();
    }

    /**
     * One poll that outlives a refusal: a Kafka error (an ACL that does not grant a topic, a revoked
     * credential) is kept in {@code problem} and the feed polls again after a pause, so that the
     * operator's fix brings it back without a restart. Records come back only from a poll that worked.
     */
    static ConsumerRecords<byte[], byte[]> poll(
            Consumer<byte[], byte[]> consumer, Duration timeout, FeedProblem problem) {
        try {
            ConsumerRecords<byte[], byte[]> records = consumer.poll(timeout);
            problem.clear();
            return records;
        } catch (WakeupException | InterruptException e) {
            throw e;
        } catch (KafkaException e) {
            problem.report(describe(e));
            pause(problem.retryAfter());
            return ConsumerRecords.empty();
        }
    }

    /**
     * {@code call} (an offsets lookup, a position) until it works: a Kafka error is kept in
     * {@code problem} and the call made again after a pause; null once not running.
     */
    static <T> T retrying(Supplier<T> call, BooleanSupplier running, FeedProblem problem) {
        while (running.getAsBoolean()) {
            try {
                T result = call.get();
                problem.clear();
                return result;
            } catch (WakeupException | InterruptException e) {
                throw e;
            } catch (KafkaException e) {
                problem.report(describe(e));
                if (!pause(problem.retryAfter())) {
                    return null;
                }
            }
        }
        return null;
    }

    private static String describe(KafkaException e) {
        return e.getClass().getSimpleName() + ": " + e.getMessage();
    }

    /** False when interrupted (the feed is closing). */
    private static boolean pause(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** What keeps a feed from reading now, for the status endpoints; logged once per distinct problem. */
    static final class FeedProblem {
        private final String feed;
        private final Duration retryAfter;
        private volatile String current;

        /** For {@code feed} (its name in the log), which tries again {@code retryAfter} after an error. */
        FeedProblem(String feed, Duration retryAfter) {
            this.feed = feed;
            this.retryAfter = retryAfter;
        }

        Duration retryAfter() {
            return retryAfter;
        }

        /** Null while the feed reads. */
        String current() {
            return current;
        }

        void report(String problem) {
            if (!problem.equals(current)) {
                LOG.warn("{}: {}; trying again every {} ms", feed, problem, retryAfter.toMillis());
            }
            current = problem;
        }

        void clear() {
            if (current != null) {
                LOG.info("{} reads again", feed);
            }
            current = null;
        }
    }
}
