package io.seedstream.records.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KafkaConnectionTest {

    @Test
    void theClientPropertiesFileGoesIntoEveryClientAndNoValueIntoItsDescription(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(
                dir.resolve("client.properties"),
                "# as for kafka-topics.sh --command-config\n"
                        + "security.protocol=SASL_SSL\n"
                        + "sasl.mechanism=SCRAM-SHA-512\n"
                        + "sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required"
                        + " username=\"u\" password=\"s3cret\";\n");
        KafkaConnection kafka = KafkaConnection.of("broker:9093", file);
        assertThat(kafka.properties())
                .containsEntry("bootstrap.servers", "broker:9093")
                .containsEntry("security.protocol", "SASL_SSL")
                .containsEntry("sasl.mechanism", "SCRAM-SHA-512");
        assertThat(kafka.toString())
                .isEqualTo("broker:9093 (client properties: sasl.jaas.config, sasl.mechanism, security.protocol)")
                .doesNotContain("s3cret");
        assertThat(KafkaConnection.of("broker:9092", null)).isEqualTo(KafkaConnection.plain("broker:9092"));
        assertThat(KafkaConnection.plain("broker:9092").toString()).isEqualTo("broker:9092");
    }

    @Test
    void aFileThatNamesTheServersOrCannotBeReadIsRefused(@TempDir Path dir) throws Exception {
        Path servers = Files.writeString(dir.resolve("servers.properties"), "bootstrap.servers=other:9092\n");
        assertThatThrownBy(() -> KafkaConnection.of("broker:9092", servers))
                .hasMessageContaining("give the servers with --kafka instead");
        assertThatThrownBy(() -> KafkaConnection.of("broker:9092", dir.resolve("missing.properties")))
                .hasMessageStartingWith("cannot read the Kafka client properties");
        assertThatThrownBy(() -> new KafkaConnection(" ", Map.of())).hasMessage("no Kafka bootstrap servers given");
    }
}
