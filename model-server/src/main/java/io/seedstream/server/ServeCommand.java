package io.seedstream.server;

import io.seedstream.records.ConfigOptions;
import io.seedstream.records.TopicPrefixOption;
import io.seedstream.records.Topics;
import io.seedstream.records.kafka.KafkaConfigOption;
import io.seedstream.segmentation.config.SeedStreamConfig;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code seedstream serve}: the model server on its own, reading the models of an existing Kafka cluster. */
@Command(
        name = "serve",
        mixinStandardHelpOptions = true,
        description =
                "Serve the newest models of the models topic over HTTP (segmentation, localization maps, metrics, pages) "
                        + "until Ctrl-C.")
public final class ServeCommand implements Callable<Integer> {

    @CommandLine.Mixin
    ConfigOptions configOptions = new ConfigOptions();

    @Option(
            names = "--kafka",
            required = true,
            description = "bootstrap servers of the Kafka cluster with the models topic")
    String bootstrapServers;

    @CommandLine.Mixin
    KafkaConfigOption kafkaConfig = new KafkaConfigOption();

    @CommandLine.Mixin
    TopicPrefixOption topicPrefix = new TopicPrefixOption();

    @Option(names = "--host", description = "address to listen on (default ${DEFAULT-VALUE})", defaultValue = "0.0.0.0")
    String host;

    @Option(
            names = "--port",
            description = "port to listen on (default: server.port of the configuration; 0 = any free port)")
    Integer port;

    @Override
    public Integer call() throws Exception {
        SeedStreamConfig config = configOptions.load();
        Topics topics = topicPrefix.topics(config);
        ModelServer server = ModelServer.start(
                config,
                kafkaConfig.connect(bootstrapServers),
                topics,
                host,
                port != null ? port : config.server().port());
        CountDownLatch closed = new CountDownLatch(1);
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> { // Ctrl-C or SIGTERM: stop reading, finish the batch in progress
                            try {
                                server.close();
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                            } finally {
                                closed.countDown();
                            }
                        }));
        System.out.println("seedstream serve: model server at " + server.url() + " (models from " + topics.models()
                + " on " + bootstrapServers + ")");
        if (!server.signInUrl().equals(server.url())) {
            System.out.println("seedstream serve: no access token configured (server.tokenFile, " + AccessToken.VARIABLE
                    + "); this run's: " + server.signInUrl());
        }
        // The benchmark's load generator, a separate process, waits for this line.
        System.out.println("seedstream serve: port " + server.port());
        closed.await();
        return 0;
    }

    /** The server as a program of its own (the model-server image runs this). */
    public static void main(String[] args) {
        System.exit(new CommandLine(new ServeCommand()).execute(args));
    }
}
