package io.seedstream.records.kafka;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The {@code --kafka-config} option every command that talks to Kafka shares. */
public final class KafkaConfigOption {
    @Option(
            names = "--kafka-config",
            paramLabel = "FILE",
            description = "Kafka client properties (security.protocol, ssl.*, sasl.*), as Kafka's own tools take"
                    + " them with --command-config; passwords stay out of the command line and the logs")
    Path file;

    /** The connection to {@code bootstrapServers} with this option's properties. */
    public KafkaConnection connect(String bootstrapServers) {
        return KafkaConnection.of(bootstrapServers, file);
    }
}
