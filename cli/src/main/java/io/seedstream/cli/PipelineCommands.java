package io.seedstream.cli;

import com.google.gson.JsonObject;
import io.seedstream.cli.local.DataDirectory;
import io.seedstream.cli.local.LocalPipeline;
import io.seedstream.cli.local.OracleLabeler;
import io.seedstream.cli.local.PipelineWatcher;
import io.seedstream.cli.local.StatusInterval;
import io.seedstream.flink.FlinkCluster;
import io.seedstream.flink.RetainedCheckpoints;
import io.seedstream.flink.training.WarmStart;
import io.seedstream.records.ConfigOptions;
import io.seedstream.records.TopicPrefixOption;
import io.seedstream.records.Topics;
import io.seedstream.records.kafka.ImageStreamer;
import io.seedstream.records.kafka.KafkaConfigOption;
import io.seedstream.records.kafka.KafkaConnection;
import io.seedstream.records.kafka.TopicSetup;
import io.seedstream.segmentation.config.SeedStreamConfig;
import io.seedstream.segmentation.data.DatasetLoad;
import io.seedstream.segmentation.data.LabeledImage;
import io.seedstream.server.AccessToken;
import io.seedstream.server.ModelServer;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Collectors;
import org.apache.kafka.common.errors.InterruptException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The commands that run the streaming pipeline: {@code demo} (everything on this machine, the model
 * server included), {@code ingest} and {@code topics} (creates them on an existing Kafka cluster).
 */
public final class PipelineCommands {

    private PipelineCommands() {}

    /** The oracle's part of the status line; the requests it could not answer only when there are any. */
    static String oracleStatus(OracleLabeler oracle) {
        if (oracle == null) {
            return "";
        }
        long unanswerable = oracle.unanswerable();
        return " | oracle answered " + oracle.answered()
                + (unanswerable > 0 ? " (could not answer " + unanswerable + ")" : "");
    }

    /** Where the pipeline's Kafka is, and its topic prefix. */
    static final class KafkaOptions {
        @Option(
                names = "--kafka",
                description =
                        "bootstrap servers of an existing Kafka cluster (demo: default starts an embedded broker; ingest: required)")
        String bootstrapServers;

        @CommandLine.Mixin
        KafkaConfigOption kafkaConfig = new KafkaConfigOption();

        @CommandLine.Mixin
        TopicPrefixOption topicPrefix = new TopicPrefixOption();

        Topics topics(SeedStreamConfig config) {
            return topicPrefix.topics(config);
        }

        /** The cluster given with --kafka (and --kafka-config), or null for the embedded broker. */
        KafkaConnection given() {
            return bootstrapServers == null ? null : kafkaConfig.connect(bootstrapServers);
        }

        /** The cluster, for a command that cannot start a broker of its own. */
        KafkaConnection requiredBy(String command) {
            if (bootstrapServers == null) {
                throw new IllegalArgumentException(
                        command + " needs --kafka, the bootstrap servers of the pipeline's Kafka");
            }
            return given();
        }
    }

    @Command(
            name = "demo",
            mixinStandardHelpOptions = true,
            description =
                    "Run the whole pipeline on this machine: an embedded Kafka broker (or --kafka), the localization, "
                            + "trainer and active-learning jobs in a local Flink cluster with its web dashboard, a producer streaming labeled "
                            + "and unlabeled images into it, an oracle answering the label requests (or people, on the labeling "
                            + "page), and the model server (HTTP inference with the newest models, live and labeling pages). "
                            + "Prints progress until Ctrl-C, then shuts everything down.")
    static final class Demo implements Callable<Integer> {
        @CommandLine.Mixin
        ConfigOptions configOptions = new ConfigOptions();

        @CommandLine.Mixin
        DatasetOptions dataset = new DatasetOptions();

        @CommandLine.Mixin
        KafkaOptions kafkaOptions = new KafkaOptions();

        @Option(
                names = "--rate",
                description = "images per second the producer sends (default ${DEFAULT-VALUE}; 0 = unthrottled)",
                defaultValue = "5")
        double rate;

        @Option(
                names = "--dashboard-port",
                description = "port of the local Flink cluster's web dashboard (default ${DEFAULT-VALUE})",
                defaultValue = "8081")
        int dashboardPort;

        @Option(
                names = "--labeled-share",
                description = "share of the data set sent labeled; the rest goes to the unlabeled "
                        + "pool, from which the active-learning job asks (default ${DEFAULT-VALUE})",
                defaultValue = "0.25")
        double labeledShare;

        /** Who answers the label requests. */
        enum Labeler {
            oracle,
            people
        }

        @Option(
                names = "--labeler",
                description =
                        "who answers the label requests: oracle (the data set's truth, after "
                                + "active.oracleDelayMs) or people (on the model server's labeling page, /label.html) (default ${DEFAULT-VALUE})",
                defaultValue = "oracle")
        Labeler labeler;

        @Option(
                names = "--server-port",
                description = "port of the model server (default: server.port of the configuration, "
                        + "8090; 0 = any free port)")
        Integer serverPort;

        @Option(
                names = "--flink",
                paramLabel = "HOST:PORT",
                description =
                        "run the jobs on an existing Flink cluster whose job "
                                + "manager serves REST here, instead of a local one (the cluster needs DJL in its lib/; see the README)")
        String flinkAddress;

        @Option(
                names = "--job-jar",
                description = "with --flink: the job jar to upload (default ${DEFAULT-VALUE})",
                defaultValue = "${sys:seedstream.jobJar:-flink-jobs/target/seedstream-jobs.jar}")
        Path jobJar;

        @Option(
                names = "--checkpoints",
                paramLabel = "URI",
                description = "where the jobs checkpoint (default: checkpoints/ in the data directory; with --flink "
                        + "required, and every job and task manager must reach it, e.g. s3://bucket/seedstream)")
        URI checkpoints;

        @Option(
                names = "--checkpoint-interval",
                description = "seconds between checkpoints, which is also how often seeds and models "
                        + "are committed (default ${DEFAULT-VALUE})",
                defaultValue = "5")
        int checkpointSeconds;

        @Option(
                names = "--held-out",
                description = "images with masks sent first to the held-out topic, which nothing trains "
                        + "on: the model server scores every segmenter version on them for the live page (default ${DEFAULT-VALUE}; "
                        + "from --held-out-split, or else at most a quarter of the streamed masked images)",
                defaultValue = "100")
        int heldOut;

        @Option(
                names = "--data-dir",
                description = "where the run keeps what a restart needs: the embedded broker's log, the "
                        + "checkpoints, which images the producer and the oracle delivered; a second start on it resumes the run "
                        + "(default ${DEFAULT-VALUE})",
                defaultValue = "${sys:user.home}/.seedstream/demo")
        Path dataDir;

        @Option(
                names = "--fresh",
                description = "delete what the data directory (and --checkpoints) holds, and start over")
        boolean fresh;

        @Option(
                names = "--init-from",
                paramLabel = "FILE",
                description =
                        "a warm start: the trainer's model of the snapshot's name starts from it instead of random"
                                + " weights (repeatable; the segmenter.snapshot of ./seedstream export, or another run's snapshot"
                                + " with these classes and architecture settings); sets trainer.initFrom. A run resumed from"
                                + " its checkpoint keeps its own weights")
        List<String> initFrom = new ArrayList<>();

        @Option(
                names = "--init-backbone-from",
                paramLabel = "FILE",
                description = "a warm start of the classifier's and the segmenter's backbones from this snapshot of"
                        + " another run's model; sets trainer.initBackboneFrom")
        String initBackboneFrom;

        @Override
        public Integer call() throws Exception {
            SeedStreamConfig config = warmStart(configOptions.load());
            DatasetLoad data = dataset.load(config);
            Topics topics = kafkaOptions.topics(config);
            checkOptions();
            WarmStart.check(config, data.classes()); // a snapshot that does not fit is refused before anything starts
            FlinkCluster remote = flinkAddress != null
                    ? FlinkCluster.remote(flinkAddress, jobJar)
                    : null; // checked before anything starts
            System.out.println("seedstream demo: " + DatasetOptions.describe(data));
            data.problems().forEach(p -> System.out.println("  skipped " + p));
            LocalPipeline.Images images = split(data, dataset.loadHeldOutSplit());

            CountDownLatch stopped = interruptedOnCtrlC();
            try (DataDirectory directory = openDataDirectory(config, data, topics)) {
                FlinkCluster flink = remote != null ? remote : FlinkCluster.local(dashboardPort, 4);
                System.out.println("Flink dashboard: " + flink.dashboardUrl());
                // The server's token: the one configured, else the data directory's (made up at its first run).
                Path demoToken = AccessToken.configured(config.server().tokenFile(), System.getenv())
                        ? null
                        : directory.serverToken();
                SeedStreamConfig serving =
                        demoToken == null ? config : config.with("server.tokenFile", demoToken.toString());
                try (LocalPipeline pipeline = LocalPipeline.start(
                                new LocalPipeline.Place(directory, kafkaOptions.given(), checkpoints, topics),
                                images,
                                config,
                                flink,
                                Duration.ofSeconds(checkpointSeconds),
                                rate,
                                labeler == Labeler.oracle,
                                System.out);
                        ModelServer server = ModelServer.start(
                                serving,
                                pipeline.kafka(),
                                topics,
                                "0.0.0.0",
                                serverPort != null
                                        ? serverPort
                                        : config.server().port())) {
                    System.out.println("Model server: " + server.url()
                            + " (live predictions and the learning curve; API at " + server.url() + "openapi.json)");
                    System.out.println("  sign in: " + signIn(server, serving, demoToken));
                    System.out.println(describeActiveLearning(images, config, pipeline.oracle() != null, server.url()));
                    watch(pipeline, topics);
                    System.out.println("seedstream demo: shutting down; the next start on " + directory.root()
                            + " resumes from here (--fresh starts over)");
                    Thread.interrupted(); // closing must not be cut short by the interrupt that stopped us
                }
                return 0;
            } finally {
                stopped.countDown();
            }
        }

        /**
         * The address to sign in with and where the token comes from: with the demo's own token in it,
         * to click; a token configured elsewhere is not printed.
         */
        private static String signIn(ModelServer server, SeedStreamConfig serving, Path demoToken) throws IOException {
            String url = demoToken == null
                    ? server.url()
                    : server.url() + "?token=" + Files.readString(demoToken).strip();
            String source = serving.server().tokenFile().isEmpty()
                    ? "$" + AccessToken.VARIABLE
                    : serving.server().tokenFile();
            return url + " (labeling and training data need the token: " + source + ")";
        }

        /** The configuration with --init-from and --init-backbone-from, which override their settings. */
        private SeedStreamConfig warmStart(SeedStreamConfig config) {
            SeedStreamConfig warm =
                    initFrom.isEmpty() ? config : config.with("trainer.initFrom", String.join(",", initFrom));
            return initBackboneFrom == null ? warm : warm.with("trainer.initBackboneFrom", initBackboneFrom);
        }

        /** Refuses option combinations no run can use, before anything starts. */
        private void checkOptions() {
            if (flinkAddress != null && kafkaOptions.bootstrapServers == null) {
                throw new IllegalArgumentException(
                        "--flink needs --kafka HOST:PORT: the cluster's task managers cannot reach "
                                + "a broker embedded in this process");
            }
            if (flinkAddress != null && checkpoints == null) {
                throw new IllegalArgumentException(
                        "--flink needs --checkpoints URI: a directory the cluster's job and task "
                                + "managers can all reach (e.g. s3://bucket/seedstream, or file:///shared/seedstream on one host)");
            }
            if (labeledShare <= 0 || labeledShare > 1) {
                throw new IllegalArgumentException("--labeled-share must be in (0, 1], was " + labeledShare);
            }
        }

        /**
         * On Ctrl-C (or SIGTERM) this thread is interrupted, which stops producing and closes the
         * pipeline in order; the JVM waits for the returned latch, counted down once it has closed.
         */
        private static CountDownLatch interruptedOnCtrlC() {
            CountDownLatch stopped = new CountDownLatch(1);
            Thread main = Thread.currentThread();
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                main.interrupt();
                try {
                    stopped.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }));
            return stopped;
        }

        private static String describeActiveLearning(
                LocalPipeline.Images images, SeedStreamConfig config, boolean oracle, String serverUrl) {
            return String.format(
                    "active learning: %d images labeled up front, %d in the unlabeled pool, budget %d requests; %s",
                    images.labeled().size(),
                    images.pool().size(),
                    config.active().budget(),
                    oracle
                            ? "the oracle answers each request after "
                                    + config.active().oracleDelayMs() + " ms"
                            : "answer them at " + serverUrl + "label.html");
        }

        /**
         * Held out first (masked images, up to --held-out: the held-out split's, or else from the
         * streamed ones), then --labeled-share of the rest labeled, then the pool.
         */
        LocalPipeline.Images split(DatasetLoad data, Optional<DatasetLoad> heldOutSplit) {
            if (heldOut < 0) {
                throw new IllegalArgumentException("--held-out must be 0 or more, was " + heldOut);
            }
            List<LabeledImage> held = heldOutSplit
                    .map(split -> split.images().stream()
                            .filter(LabeledImage::hasMask)
                            .limit(heldOut)
                            .toList())
                    .orElseGet(() -> {
                        List<LabeledImage> masked = data.images().stream()
                                .filter(LabeledImage::hasMask)
                                .toList();
                        return masked.subList(0, Math.min(heldOut, masked.size() / 4));
                    });
            Set<String> heldIds = held.stream().map(LabeledImage::id).collect(Collectors.toSet());
            List<LabeledImage> rest = data.images().stream()
                    .filter(image -> !heldIds.contains(image.id()))
                    .toList();
            int labeledCount = (int) Math.ceil(labeledShare * rest.size());
            System.out.println("held out: " + held.size() + " images with masks"
                    + heldOutSplit
                            .map(split -> " of the '" + dataset.heldOutSplit + "' split")
                            .orElse("") + ", never trained on: the live page scores every segmenter "
                    + "version on them"
                    + (heldOutSplit.isEmpty() && held.size() < heldOut ? " (a quarter of the masked images)" : ""));
            return new LocalPipeline.Images(
                    data.classes(),
                    held,
                    rest.subList(0, labeledCount),
                    dataset::sendsMask,
                    rest.subList(labeledCount, rest.size()));
        }

        /** Prints the status line every few seconds until Ctrl-C. */
        private static void watch(LocalPipeline pipeline, Topics topics) {
            try (PipelineWatcher watcher = new PipelineWatcher(pipeline.kafka(), topics)) {
                StatusInterval status = new StatusInterval(System.nanoTime(), Duration.ofSeconds(5));
                while (!Thread.currentThread().isInterrupted()) {
                    watcher.poll(status.untilDue(System.nanoTime())); // returns early when records arrive
                    long now = System.nanoTime();
                    if (status.due(now)) {
                        System.out.printf(
                                "%s | %s%s%n",
                                status.next(now, watcher.seedsSinceStart()),
                                watcher.status(),
                                oracleStatus(pipeline.oracle()));
                    }
                }
            } catch (InterruptException e) {
                // Ctrl-C while polling
            }
        }

        /** The data directory, opened for this run: what identifies the run is what a resumed one must share. */
        private DataDirectory openDataDirectory(SeedStreamConfig config, DatasetLoad data, Topics topics)
                throws Exception {
            Map<String, String> run = new TreeMap<>();
            run.put("dataset", DatasetOptions.describe(data));
            run.put(
                    "dataset.ids",
                    fingerprint(data.images().stream().map(LabeledImage::id).collect(Collectors.joining("\n"))));
            run.put("labeledShare", String.valueOf(labeledShare));
            run.put("maskFraction", String.valueOf(dataset.maskFraction));
            run.put("heldOut", String.valueOf(heldOut));
            if (dataset.hasSplits()) {
                run.put("heldOutSplit", dataset.heldOutSplit);
            }
            run.put("kafka", kafkaOptions.bootstrapServers != null ? kafkaOptions.bootstrapServers : "embedded");
            run.put("topicPrefix", topics.prefix());
            JsonObject shaping = config.toJsonTree();
            shaping.remove("server"); // how the models are served does not change what the run learns
            run.put("configuration", fingerprint(shaping.toString()));
            if (fresh) {
                System.out.println("--fresh: deleting what " + dataDir.toAbsolutePath() + " holds");
                if (checkpoints != null) {
                    System.out.println("--fresh: deleting the jobs' checkpoints under " + checkpoints);
                    for (FlinkCluster.Job job : FlinkCluster.Job.values()) {
                        RetainedCheckpoints.deleteAll(job.checkpoints(checkpoints));
                    }
                }
                if (kafkaOptions.bootstrapServers != null) {
                    System.out.println("--fresh: the topics on " + kafkaOptions.bootstrapServers
                            + " keep their records, which the "
                            + "jobs read again; for an empty start pass a new --topic-prefix");
                }
            }
            DataDirectory directory = DataDirectory.open(dataDir, run, fresh);
            System.out.println("data directory: " + directory.root()
                    + (directory.resumed() ? " (resuming the run kept there)" : " (a new run)"));
            return directory;
        }

        private static String fingerprint(String text) throws NoSuchAlgorithmException {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 8);
        }
    }

    @Command(
            name = "ingest",
            mixinStandardHelpOptions = true,
            description =
                    "Stream labeled images into the pipeline's labeled-images topic, with a rate limit and progress, and "
                            + "sum up what was sent and what was refused. The jobs validate every image: the ones they reject are on "
                            + "the dead-letters topic with the reason.")
    static final class Ingest implements Callable<Integer> {
        @CommandLine.Mixin
        ConfigOptions configOptions = new ConfigOptions();

        @CommandLine.Mixin
        DatasetOptions dataset = new DatasetOptions();

        @CommandLine.Mixin
        KafkaOptions kafkaOptions = new KafkaOptions();

        @Option(
                names = "--rate",
                description = "images per second (default ${DEFAULT-VALUE}; 0 = as fast as the broker takes them)",
                defaultValue = "0")
        double rate;

        @Override
        public Integer call() throws Exception {
            SeedStreamConfig config = configOptions.load();
            DatasetLoad data = dataset.load(config);
            KafkaConnection kafka = kafkaOptions.requiredBy("ingest");
            Topics topics = kafkaOptions.topics(config);
            System.out.println("ingest: " + DatasetOptions.describe(data) + " -> " + topics.labeledImages());
            ImageStreamer.Summary summary = new ImageStreamer(kafka, topics.labeledImages(), rate, System.out)
                    .stream(data.images(), data.classes(), dataset::sendsMask, "ingest");
            System.out.printf(
                    "sent %d images in %.1f s (%.1f/s)%n",
                    summary.sent(), summary.seconds(), summary.sent() / summary.seconds());
            System.out.println("not sent: "
                    + (data.problems().size()
                            + summary.failed().values().stream()
                                    .mapToLong(Long::longValue)
                                    .sum()));
            data.problems().forEach(p -> System.out.println("  unreadable file " + p));
            summary.failed().forEach((reason, count) -> System.out.println("  " + count + " x " + reason));
            return summary.failed().isEmpty() && data.problems().isEmpty() ? 0 : 1;
        }
    }

    @Command(
            name = "topics",
            mixinStandardHelpOptions = true,
            description =
                    "Create the pipeline's topics on a Kafka cluster where they are missing (models log-compacted, with "
                            + "room for model snapshots); existing topics are left as they are.")
    static final class CreateTopics implements Callable<Integer> {
        @CommandLine.Mixin
        ConfigOptions configOptions = new ConfigOptions();

        @CommandLine.Mixin
        KafkaOptions kafkaOptions = new KafkaOptions();

        @Option(
                names = "--partitions",
                defaultValue = "2",
                description = "partitions of each topic but models, which has one (default ${DEFAULT-VALUE})")
        int partitions;

        @Option(
                names = "--replication-factor",
                defaultValue = "1",
                description = "replicas of each topic (default ${DEFAULT-VALUE})")
        short replicationFactor;

        @Override
        public Integer call() throws Exception {
            KafkaConnection kafka = kafkaOptions.requiredBy("topics");
            Topics topics = kafkaOptions.topics(configOptions.load());
            List<String> created = TopicSetup.ensure(kafka, topics, partitions, replicationFactor);
            System.out.println("topics: " + (created.isEmpty() ? "all present" : "created " + created));
            return 0;
        }
    }
}
