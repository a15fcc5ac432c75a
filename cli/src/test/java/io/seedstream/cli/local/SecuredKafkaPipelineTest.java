package io.seedstream.cli.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.seedstream.embedded.EmbeddedKafka;
import io.seedstream.flink.FlinkCluster;
import io.seedstream.flink.KafkaTestClients;
import io.seedstream.flink.SmallPipeline;
import io.seedstream.records.Topics;
import io.seedstream.records.kafka.KafkaConnection;
import io.seedstream.records.kafka.TopicSetup;
import io.seedstream.segmentation.config.SeedStreamConfig;
import io.seedstream.segmentation.data.LabeledImage;
import io.seedstream.segmentation.data.SyntheticDataset;
import io.seedstream.segmentation.nn.ModelName;
import io.seedstream.server.ModelServer;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole pipeline (topics, producer, three jobs, oracle, model server) against a broker that
 * offers its clients only SASL_SSL with SCRAM-SHA-512: every client gets its TLS and login from the
 * one client properties file, as {@code --kafka-config} gives it, and no secret is in a log line.
 */
class SecuredKafkaPipelineTest {

    private static final int LABELED = 24;
    private static final Topics TOPICS = new Topics("secured-test.");
    private static final PrintStream QUIET = new PrintStream(OutputStream.nullOutputStream());

    @Test
    void everyClientReachesTheBrokerOverSaslSslWithTheClientPropertiesFile(@TempDir Path dir) throws Exception {
        String storePassword = "store-" + Long.toHexString(System.nanoTime());
        String userPassword = "user-" + Long.toHexString(System.nanoTime());
        Path keystore = dir.resolve("broker.p12");
        Path truststore = dir.resolve("truststore.p12");
        Path certificate = dir.resolve("broker.crt");
        keytool(
                "-genkeypair",
                "-alias",
                "broker",
                "-keyalg",
                "RSA",
                "-keysize",
                "2048",
                "-validity",
                "2",
                "-dname",
                "CN=localhost",
                "-ext",
                "SAN=dns:localhost,ip:127.0.0.1",
                "-storetype",
                "PKCS12",
                "-keystore",
                keystore.toString(),
                "-storepass",
                storePassword);
        keytool(
                "-exportcert",
                "-alias",
                "broker",
                "-rfc",
                "-file",
                certificate.toString(),
                "-keystore",
                keystore.toString(),
                "-storepass",
                storePassword);
        keytool(
                "-importcert",
                "-noprompt",
                "-alias",
                "broker",
                "-file",
                certificate.toString(),
                "-storetype",
                "PKCS12",
                "-keystore",
                truststore.toString(),
                "-storepass",
                storePassword);
        // As Kubernetes mounts the Secrets Strimzi makes: a directory per Secret, a file per key. The
        // properties file names them through Kafka's DirectoryConfigProvider and holds no secret itself.
        Path user = Files.createDirectories(dir.resolve("kafka-user"));
        Files.writeString(
                user.resolve("sasl.jaas.config"),
                "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"seedstream\" password=\""
                        + userPassword + "\";");
        Path ca = Files.createDirectories(dir.resolve("kafka-ca"));
        Files.writeString(ca.resolve("ca.password"), storePassword);
        Path clientProperties = dir.resolve("client.properties");
        Files.writeString(
                clientProperties,
                String.join(
                        "\n",
                        "security.protocol=SASL_SSL",
                        "sasl.mechanism=SCRAM-SHA-512",
                        "config.providers=secrets",
                        "config.providers.secrets.class=org.apache.kafka.common.config.provider.DirectoryConfigProvider",
                        "sasl.jaas.config=${secrets:" + user + ":sasl.jaas.config}",
                        "ssl.truststore.type=PKCS12",
                        "ssl.truststore.location=" + truststore,
                        "ssl.truststore.password=${secrets:" + ca + ":ca.password}",
                        ""));
        assertThat(Files.readString(clientProperties)).doesNotContain(userPassword, storePassword);

        try (EmbeddedKafka broker = EmbeddedKafka.startWithSaslSsl(
                new EmbeddedKafka.SaslSsl(keystore, storePassword, Map.of("seedstream", userPassword)))) {
            KafkaConnection secured = KafkaConnection.of(broker.saslSslBootstrapServers(), clientProperties);
            assertThat(secured.toString())
                    .as("what a log line shows of the connection")
                    .contains("sasl.jaas.config", "ssl.truststore.password")
                    .doesNotContain("${secrets:");

            KafkaConnection plaintext = KafkaConnection.plain(broker.saslSslBootstrapServers());
            assertThatThrownBy(() -> TopicSetup.ensure(withTimeout(plaintext), TOPICS, 1))
                    .as("a client without the properties is not let in")
                    .isInstanceOf(ExecutionException.class);
            KafkaConnection wrongPassword = new KafkaConnection(
                    secured.bootstrapServers(),
                    Map.of(
                            "security.protocol",
                            "SASL_SSL",
                            "sasl.mechanism",
                            "SCRAM-SHA-512",
                            "sasl.jaas.config",
                            "org.apache.kafka.common.security.scram.ScramLoginModule required"
                                    + " username=\"seedstream\" password=\"wrong\";",
                            "ssl.truststore.type",
                            "PKCS12",
                            "ssl.truststore.location",
                            truststore.toString(),
                            "ssl.truststore.password",
                            storePassword));
            assertThatThrownBy(() -> TopicSetup.ensure(withTimeout(wrongPassword), TOPICS, 1))
                    .as("nor one with a wrong password")
                    .rootCause()
                    .hasMessageContaining("Authentication failed");

            runPipeline(secured, dir);
        }
    }

    private static void runPipeline(KafkaConnection secured, Path dir) throws Exception {
        SeedStreamConfig config = SmallPipeline.config(Map.of(
                "active.windowSize", "4",
                "active.batchSize", "2",
                "active.budget", "2",
                "active.selectEveryMs", "1000",
                "active.oracleDelayMs", "100"));
        SyntheticDataset data = new SyntheticDataset(config.synthetic());
        List<LabeledImage> all = data.images(0, LABELED + 4);
        LocalPipeline.Images images = new LocalPipeline.Images(
                data.classes(), List.of(), all.subList(0, LABELED), i -> i % 4 == 0, all.subList(LABELED, all.size()));
        try (DataDirectory directory = DataDirectory.open(dir.resolve("run"), Map.of("dataset", "secured"), false);
                LocalPipeline pipeline = LocalPipeline.start(
                        new LocalPipeline.Place(directory, secured, null, TOPICS),
                        images,
                        config,
                        FlinkCluster.local(0, 4),
                        Duration.ofSeconds(1),
                        0,
                        true,
                        QUIET);
                ModelServer server = ModelServer.start(config, secured, TOPICS, "127.0.0.1", 0)) {
            SmallPipeline.waitFor(
                    () -> KafkaTestClients.readCommitted(secured, TOPICS.seeds(), LABELED, 1)
                                            .size()
                                    >= LABELED + pipeline.oracle().answered()
                            && pipeline.oracle().answered() > 0
                            && server.models().servingVersion(ModelName.SEGMENTER.id()) > 0,
                    "every labeled and answered image seeded, and a segmenter served, over SASL_SSL");
            assertThat(pipeline.delivered()).isEqualTo(all.size());
            assertThat(KafkaTestClients.readCommitted(secured, TOPICS.deadLetters(), 0, 1))
                    .as("nothing refused")
                    .isEmpty();
        }
    }

    /** Fails fast instead of retrying a refused connection for the default minute. */
    private static KafkaConnection withTimeout(KafkaConnection kafka) {
        Map<String, String> properties = new HashMap<>(kafka.clientProperties());
        properties.put("default.api.timeout.ms", "10000");
        properties.put("request.timeout.ms", "5000");
        return new KafkaConnection(kafka.bootstrapServers(), properties);
    }

    private static void keytool(String... arguments) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        command.addAll(List.of(arguments));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as(output).isZero();
    }
}
