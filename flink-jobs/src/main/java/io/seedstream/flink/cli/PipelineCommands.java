package io.seedstream.flink.cli;

import io.seedstream.flink.FlinkCluster;
import io.seedstream.flink.KafkaSettings;
import io.seedstream.flink.bench.PipelineBench;
import io.seedstream.flink.bench.ServerBench;
import io.seedstream.flink.ingest.ImageStreamer;
import io.seedstream.flink.ingest.OracleLabeler;
import io.seedstream.flink.local.PipelineWatcher;
import io.seedstream.flink.local.StatusInterval;
import io.seedstream.records.Topics;
import io.seedstream.records.kafka.EmbeddedKafka;
import io.seedstream.records.kafka.TopicSetup;
import io.seedstream.segmentation.cli.SeedStreamCli;
import io.seedstream.segmentation.config.SeedStreamConfig;
import io.seedstream.segmentation.data.DatasetLoad;
import io.seedstream.segmentation.data.LabeledImage;
import io.seedstream.server.ModelServer;
import io.seedstream.server.ServeCommand;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Collectors;
import org.apache.flink.core.execution.JobClient;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The commands that run the streaming pipeline: {@code demo} (everything on this machine, the model
 * server included), {@code ingest}, {@code topics} (creates them on an existing Kafka cluster) and
 * {@code serve} (the model server alone).
 */
public final class PipelineCommands {

    private PipelineCommands() {}

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** Every command of {@code ./seedstream}, the ML ones included. */
    public static CommandLine commandLine() {
        CommandLine commandLine = SeedStreamCli.commandLine();
        commandLine.addSubcommand("demo", new Demo());
        commandLine.addSubcommand("ingest", new Ingest());
        commandLine.addSubcommand("topics", new CreateTopics());
        commandLine.addSubcommand("serve", new ServeCommand());
        commandLine.getSubcommands().get("bench").addSubcommand("pipeline", new PipelineBench());
        commandLine.getSubcommands().get("bench").addSubcommand("server", new ServerBench());
        commandLine.setCaseInsensitiveEnumValuesAllowed(true); // applies to the subcommands added above
        return commandLine;
    }

    /** Where the pipeline's Kafka is, and its topic prefix. */
    static final class KafkaOptions {
        @Option(names = "--kafka", description = "bootstrap servers of an existing Kafka cluster (demo: default starts an embedded broker; ingest: required)")
        String bootstrapServers;

        @CommandLine.Mixin
        SeedStreamCli.TopicPrefixOption topicPrefix = new SeedStreamCli.TopicPrefixOption();

        Topics topics(SeedStreamConfig config) {
            return new Topics(topicPrefix.prefix(config));
        }

        /** The bootstrap servers, for a command that cannot start a broker of its own. */
        String requiredBy(String command) {
            if (bootstrapServers == null) {
                throw new IllegalArgumentException(command + " needs --kafka, the bootstrap servers of the pipeline's Kafka");
            }
            return bootstrapServers;
        }
    }

    @Command(name = "demo", mixinStandardHelpOptions = true,
            description = "Run the whole pipeline on this machine: an embedded Kafka broker (or --kafka), the localization, "
                    + "trainer and active-learning jobs in a local Flink cluster with its web dashboard, a producer streaming labeled "
                    + "and unlabeled images into it, an oracle answering the label requests (or people, on the labeling "
                    + "page), and the model server (HTTP inference with the newest models, live and labeling pages). "
                    + "Prints progress until Ctrl-C, then shuts everything down.")
    static final class Demo implements Callable<Integer> {
        @CommandLine.Mixin
        SeedStreamCli.ConfigOptions configOptions = new SeedStreamCli.ConfigOptions();

        @CommandLine.Mixin
        DatasetOptions dataset = new DatasetOptions();

        @CommandLine.Mixin
        KafkaOptions kafkaOptions = new KafkaOptions();

        @Option(names = "--rate", description = "images per second the producer sends (default ${DEFAULT-VALUE}; 0 = unthrottled)",
                defaultValue = "5")
        double rate;

        @Option(names = "--dashboard-port", description = "port of the local Flink cluster's web dashboard (default ${DEFAULT-VALUE})",
                defaultValue = "8081")
        int dashboardPort;

        @Option(names = "--labeled-share", description = "share of the data set sent labeled; the rest goes to the unlabeled "
                + "pool, from which the active-learning job asks (default ${DEFAULT-VALUE})",
                defaultValue = "0.25")
        double labeledShare;

        /** Who answers the label requests. */
        enum Labeler { oracle, people }

        @Option(names = "--labeler", description = "who answers the label requests: oracle (the data set's truth, after "
                + "active.oracleDelayMs) or people (on the model server's labeling page, /label.html) (default ${DEFAULT-VALUE})",
                defaultValue = "oracle")
        Labeler labeler;

        @Option(names = "--server-port", description = "port of the model server (default: server.port of the configuration, "
                + "8090; 0 = any free port)")
        Integer serverPort;

        @Option(names = "--flink", paramLabel = "HOST:PORT", description = "run the jobs on an existing Flink cluster whose job "
                + "manager serves REST here, instead of a local one (the cluster needs DJL in its lib/; see the README)")
        String flinkAddress;

        @Option(names = "--job-jar", description = "with --flink: the job jar to upload (default ${DEFAULT-VALUE})",
                defaultValue = "${sys:seedstream.jobJar:-flink-jobs/target/seedstream-jobs.jar}")
        Path jobJar;

        @Option(names = "--checkpoints", paramLabel = "URI", description = "where the jobs checkpoint (default: a new temporary "
                + "directory; with --flink required, and every job and task manager must reach it, e.g. s3://bucket/seedstream)")
        URI checkpoints;

        @Option(names = "--checkpoint-interval", description = "seconds between checkpoints, which is also how often seeds and models "
                + "are committed (default ${DEFAULT-VALUE})", defaultValue = "5")
        int checkpointSeconds;

        private static LabeledImage withoutLabels(LabeledImage image) {
            return new LabeledImage(image.id(), image.width(), image.height(), image.rgb(), null, new int[0]);
        }

        @Override
        public Integer call() throws Exception {
            SeedStreamConfig config = configOptions.load();
            DatasetLoad data = dataset.load(config);
            Topics topics = kafkaOptions.topics(config);
            if (flinkAddress != null && kafkaOptions.bootstrapServers == null) {
                throw new IllegalArgumentException("--flink needs --kafka HOST:PORT: the cluster's task managers cannot reach "
                        + "a broker embedded in this process");
            }
            if (flinkAddress != null && checkpoints == null) {
                throw new IllegalArgumentException("--flink needs --checkpoints URI: a directory the cluster's job and task "
                        + "managers can all reach (e.g. s3://bucket/seedstream, or file:///shared/seedstream on one host)");
            }
            if (labeledShare <= 0 || labeledShare > 1) {
                throw new IllegalArgumentException("--labeled-share must be in (0, 1], was " + labeledShare);
            }
            FlinkCluster remote = flinkAddress != null ? FlinkCluster.remote(flinkAddress, jobJar) : null; // checked before anything starts
            System.out.println("seedstream demo: " + DatasetOptions.describe(data));
            data.problems().forEach(p -> System.out.println("  skipped " + p));

            List<AutoCloseable> resources = new ArrayList<>();
            CountDownLatch stopped = new CountDownLatch(1);
            Thread main = Thread.currentThread();
            Runtime.getRuntime().addShutdownHook(new Thread(() -> { // Ctrl-C: stop producing, cancel the jobs, close in order
                main.interrupt();
                try {
                    stopped.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }));
            try {
                String servers = kafkaOptions.bootstrapServers;
                if (servers == null) {
                    EmbeddedKafka kafka = EmbeddedKafka.start();
                    resources.add(0, kafka);
                    servers = kafka.bootstrapServers();
                    System.out.println("Kafka: embedded broker at " + servers);
                }
                List<String> created = TopicSetup.ensure(servers, topics, 2);
                System.out.println("topics: " + (created.isEmpty() ? "all present" : "created " + created));
                ModelServer server = ModelServer.start(config, servers, topics, "0.0.0.0",
                        serverPort != null ? serverPort : config.server().port());
                resources.add(0, server);
                System.out.println("Model server: " + server.url() + " (live predictions and the learning curve; API at "
                        + server.url() + "openapi.json)");

                FlinkCluster flink = remote != null ? remote : FlinkCluster.local(dashboardPort, 4);
                resources.add(0, flink);
                System.out.println("Flink dashboard: " + flink.dashboardUrl());
                KafkaSettings settings = new KafkaSettings(servers, topics, false);
                URI checkpointDirectory = checkpoints != null ? checkpoints : Files.createTempDirectory("seedstream-checkpoints-").toUri();
                System.out.println("checkpoints: " + checkpointDirectory);
                List<JobClient> jobs = new ArrayList<>();
                for (FlinkCluster.Job job : FlinkCluster.Job.values()) {
                    jobs.add(flink.submit(job, config, data.classes(), settings, Duration.ofSeconds(checkpointSeconds), checkpointDirectory));
                }
                resources.add(0, () -> jobs.forEach(j -> j.cancel().join()));

                String bootstrap = servers;
                int labeledCount = (int) Math.ceil(labeledShare * data.images().size());
                List<LabeledImage> labeled = data.images().subList(0, labeledCount);
                List<LabeledImage> pool = data.images().subList(labeledCount, data.images().size());
                Thread producer = new Thread(() -> {
                    try {
                        ImageStreamer.Summary summary = new ImageStreamer(bootstrap, topics.labeledImages(), rate, null)
                                .stream(labeled, data.classes(), dataset::sendsMask, "demo");
                        ImageStreamer.Summary unlabeled = new ImageStreamer(bootstrap, topics.unlabeledImages(), rate, null)
                                .stream(pool.stream().map(Demo::withoutLabels).toList(), data.classes(), i -> false, "demo");
                        System.out.printf("producer: sent %d labeled and %d unlabeled images in %.0f s%s%n", summary.sent(),
                                unlabeled.sent(), summary.seconds() + unlabeled.seconds(),
                                summary.failed().isEmpty() && unlabeled.failed().isEmpty() ? ""
                                        : ", refused " + summary.failed() + " " + unlabeled.failed());
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }, "producer");
                producer.setDaemon(true);
                producer.start();
                resources.add(0, producer::interrupt);
                OracleLabeler oracle = null;
                if (labeler == Labeler.oracle) {
                    Map<String, LabeledImage> truth = pool.stream().collect(Collectors.toMap(LabeledImage::id, image -> image, (a, b) -> a));
                    oracle = new OracleLabeler(servers, topics, truth, data.classes(), Duration.ofMillis(config.active().oracleDelayMs()),
                            true);
                    Thread oracleThread = new Thread(oracle, "oracle");
                    oracleThread.setDaemon(true);
                    oracleThread.start();
                    resources.add(0, oracleThread::interrupt);
                }
                System.out.printf("active learning: %d images labeled up front, %d in the unlabeled pool, budget %d requests; %s%n",
                        labeled.size(), pool.size(), config.active().budget(), oracle != null
                                ? "the oracle answers each request after " + config.active().oracleDelayMs() + " ms"
                                : "answer them at " + server.url() + "label.html");

                try (PipelineWatcher watcher = new PipelineWatcher(servers, topics)) {
                    StatusInterval status = new StatusInterval(System.nanoTime(), Duration.ofSeconds(5));
                    while (!Thread.currentThread().isInterrupted()) {
                        watcher.poll(status.untilDue(System.nanoTime())); // returns early when records arrive
                        long now = System.nanoTime();
                        if (status.due(now)) {
                            System.out.printf("%s | %s%s%n", status.next(now, watcher.seeds()), watcher.status(),
                                    oracle != null ? " | oracle answered " + oracle.answered() : "");
                        }
                    }
                } catch (org.apache.kafka.common.errors.InterruptException e) {
                    // Ctrl-C while polling
                }
                System.out.println("seedstream demo: shutting down");
                return 0;
            } finally {
                Thread.interrupted(); // closing must not be cut short by the interrupt that stopped us
                for (AutoCloseable resource : resources) {
                    try {
                        resource.close();
                    } catch (Exception e) {
                        System.err.println("while shutting down: " + e);
                    }
                }
                stopped.countDown();
            }
        }
    }

    @Command(name = "ingest", mixinStandardHelpOptions = true,
            description = "Stream labeled images into the pipeline's labeled-images topic, with a rate limit and progress, and "
                    + "sum up what was sent and what was refused. The jobs validate every image: the ones they reject are on "
                    + "the dead-letters topic with the reason.")
    static final class Ingest implements Callable<Integer> {
        @CommandLine.Mixin
        SeedStreamCli.ConfigOptions configOptions = new SeedStreamCli.ConfigOptions();

        @CommandLine.Mixin
        DatasetOptions dataset = new DatasetOptions();

        @CommandLine.Mixin
        KafkaOptions kafkaOptions = new KafkaOptions();

        @Option(names = "--rate", description = "images per second (default ${DEFAULT-VALUE}; 0 = as fast as the broker takes them)",
                defaultValue = "0")
        double rate;

        @Override
        public Integer call() throws Exception {
            SeedStreamConfig config = configOptions.load();
            DatasetLoad data = dataset.load(config);
            String servers = kafkaOptions.requiredBy("ingest");
            Topics topics = kafkaOptions.topics(config);
            System.out.println("ingest: " + DatasetOptions.describe(data) + " -> " + topics.labeledImages());
            ImageStreamer.Summary summary = new ImageStreamer(servers, topics.labeledImages(), rate, System.out)
                    .stream(data.images(), data.classes(), dataset::sendsMask, "ingest");
            System.out.printf("sent %d images in %.1f s (%.1f/s)%n", summary.sent(), summary.seconds(), summary.sent() / summary.seconds());
            System.out.println("not sent: " + (data.problems().size() + summary.failed().values().stream().mapToLong(Long::longValue).sum()));
            data.problems().forEach(p -> System.out.println("  unreadable file " + p));
            summary.failed().forEach((reason, count) -> System.out.println("  " + count + " x " + reason));
            return summary.failed().isEmpty() && data.problems().isEmpty() ? 0 : 1;
        }
    }

    @Command(name = "topics", mixinStandardHelpOptions = true,
            description = "Create the pipeline's topics on a Kafka cluster where they are missing (models log-compacted, with "
                    + "room for model snapshots); existing topics are left as they are.")
    static final class CreateTopics implements Callable<Integer> {
        @CommandLine.Mixin
        SeedStreamCli.ConfigOptions configOptions = new SeedStreamCli.ConfigOptions();

        @CommandLine.Mixin
        KafkaOptions kafkaOptions = new KafkaOptions();

        @Option(names = "--partitions", defaultValue = "2",
                description = "partitions of each topic but models, which has one (default ${DEFAULT-VALUE})")
        int partitions;

        @Option(names = "--replication-factor", defaultValue = "1", description = "replicas of each topic (default ${DEFAULT-VALUE})")
        short replicationFactor;

        @Override
        public Integer call() throws Exception {
            String servers = kafkaOptions.requiredBy("topics");
            Topics topics = kafkaOptions.topics(configOptions.load());
            List<String> created = TopicSetup.ensure(servers, topics, partitions, replicationFactor);
            System.out.println("topics: " + (created.isEmpty() ? "all present" : "created " + created));
            return 0;
        }
    }
}
