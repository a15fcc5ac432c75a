package io.seedstream.records.kafka;

import io.seedstream.records.Topics;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.TopicConfig;

/**
 * Creates SeedStream's topics where they are missing: {@code models} log-compacted (the newest
 * snapshot per model name survives) with a message size limit that fits the models; the others
 * with {@code partitions} partitions.
 */
public final class TopicSetup {

    /** Largest record the models topic, and every producer writing to it, accepts. */
    public static final int MAX_MODEL_BYTES = 64 << 20;

    private TopicSetup() {}

    /** On one broker: every topic with one replica. */
    public static List<String> ensure(KafkaConnection kafka, Topics topics, int partitions)
            throws ExecutionException, InterruptedException {
        return ensure(kafka, topics, partitions, (short) 1);
    }

    /** @return the topics that were created (existing ones are left as they are) */
    public static List<String> ensure(KafkaConnection kafka, Topics topics, int partitions, short replicationFactor)
            throws ExecutionException, InterruptedException {
        try (Admin admin = Admin.create(kafka.properties())) {
            Set<String> existing = admin.listTopics().names().get();
            List<NewTopic> missing = new ArrayList<>();
            for (String name : topics.all()) {
                missing.add(
                        name.equals(topics.models())
                                ? new NewTopic(name, 1, replicationFactor)
                                        .configs(Map.of(
                                                TopicConfig.CLEANUP_POLICY_CONFIG,
                                                TopicConfig.CLEANUP_POLICY_COMPACT,
                                                TopicConfig.MAX_MESSAGE_BYTES_CONFIG,
                                                String.valueOf(MAX_MODEL_BYTES)))
                                : new NewTopic(name, partitions, replicationFactor));
            }
            missing.removeIf(t -> existing.contains(t.name()));
            if (!missing.isEmpty()) {
                admin.createTopics(missing).all().get();
            }
            return missing.stream().map(NewTopic::name).toList();
        }
    }
}
