package io.seedstream.records;

import io.seedstream.segmentation.config.SeedStreamConfig;
import picocli.CommandLine.Option;

/** {@code --topic-prefix}, for every command that talks to the pipeline's Kafka. */
public final class TopicPrefixOption {
    @Option(
            names = "--topic-prefix",
            description = "prefix of every topic name (default: stream.topicPrefix of the configuration)")
    String prefix;

    public String prefix(SeedStreamConfig config) {
        return prefix != null ? prefix : config.stream().topicPrefix();
    }
}
