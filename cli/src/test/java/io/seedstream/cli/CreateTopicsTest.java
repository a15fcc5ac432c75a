package io.seedstream.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.seedstream.embedded.EmbeddedKafka;
import io.seedstream.records.Topics;
import io.seedstream.records.kafka.KafkaConnection;
import io.seedstream.records.kafka.TopicSetup;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code ./seedstream topics} (the compose file's topic set-up) on a real broker. */
class CreateTopicsTest {

    @Test
    void createsTheMissingTopicsAndLeavesTheRest() throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
            Topics topics = new Topics("t.");
            assertThat(SeedStreamCli.commandLine()
                            .execute(
                                    "topics",
                                    "--kafka",
                                    kafka.bootstrapServers(),
                                    "--topic-prefix",
                                    "t.",
                                    "--partitions",
                                    "3"))
                    .isZero();
            Properties properties = new Properties();
            properties.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
            try (Admin admin = Admin.create(properties)) {
                Map<String, TopicDescription> described =
                        admin.describeTopics(topics.all()).allTopicNames().get();
                assertThat(described).hasSize(7);
                assertThat(described.get(topics.labeledImages()).partitions()).hasSize(3);
                assertThat(described.get(topics.deadLetters()).partitions()).hasSize(3);
                assertThat(described.get(topics.models()).partitions()).hasSize(1);
                ConfigResource models = new ConfigResource(ConfigResource.Type.TOPIC, topics.models());
                var config = admin.describeConfigs(List.of(models)).all().get().get(models);
                assertThat(config.get("cleanup.policy").value()).isEqualTo("compact");
                assertThat(config.get("max.message.bytes").value())
                        .isEqualTo(String.valueOf(TopicSetup.MAX_MODEL_BYTES));
            }
            // a second run finds them all and changes nothing
            assertThat(TopicSetup.ensure(KafkaConnection.plain(kafka.bootstrapServers()), topics, 5))
                    .isEmpty();
        }
    }

    @Test
    void withoutKafkaItSaysWhatIsMissing() {
        StringWriter errors = new StringWriter();
        CommandLine commandLine = SeedStreamCli.commandLine();
        commandLine.setErr(new PrintWriter(errors));
        assertThat(commandLine.execute("topics")).isNotZero();
        assertThat(errors.toString()).contains("topics needs --kafka");
    }
}
