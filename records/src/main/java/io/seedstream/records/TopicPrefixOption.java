package io.seedstream.records;

import io.seedstream.segmentation.config.SeedStreamConfig;
import picocli.CommandLine.Option;

/** {@code --topic-prefix}, for every command that talks to the pipeline's Kafka. */
public final class TopicPrefixOption {
    @Option(
            names = "--topic-prefix",
            description = "prefix of every topic name (default: stream.topicPrefix of the configuration)")
    String prefix;

    /** The topics under this option's prefix, or the configuration's when it is not given. */
    public Topics topics(SeedStreamConfig config) {
        return prefix != null ? new Topics(prefix) : Topics.configured(config);
    }
}
