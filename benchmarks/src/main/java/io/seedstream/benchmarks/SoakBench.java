package io.seedstream.benchmarks;

import io.seedstream.cli.local.DataDirectory;
import io.seedstream.cli.local.LocalPipeline;
import io.seedstream.flink.FlinkCluster;
import io.seedstream.flink.common.KafkaWiring;
import io.seedstream.records.ConfigOptions;
import io.seedstream.records.Topics;
import io.seedstream.segmentation.config.SeedStreamConfig;
import io.seedstream.segmentation.data.ImageCodec;
import io.seedstream.segmentation.data.LabeledImage;
import io.seedstream.segmentation.data.SyntheticDataset;
import io.seedstream.server.ModelServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.flink.core.execution.JobClient;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Property;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code seedstream bench soak}: the demo's pipeline (embedded broker, local Flink with the three
 * jobs, the model server) under a steady stream of new images for {@code --minutes}, sampled every
 * {@code --every-seconds}: the JVM's heap after collection, the heap it holds (committed) and its
 * resident memory (libtorch's native memory and malloc's arenas are in it, beside the committed
 * heap), each job's checkpoint size, the images not yet seeded, and the ERROR lines logged. It
 * reports each one's growth per hour (a least-squares line over the second half of the samples)
 * and plots them.
 */
@Command(
        name = "soak",
        mixinStandardHelpOptions = true,
        description =
                "Run the local pipeline at a steady rate and report memory, checkpoint size, lag and errors over time.")
public final class SoakBench implements Callable<Integer> {

    @CommandLine.Mixin
    ConfigOptions configOptions = new ConfigOptions();

    @Option(names = "--minutes", description = "how long to run (default ${DEFAULT-VALUE})", defaultValue = "60")
    double minutes;

    @Option(
            names = "--rate",
            description = "images per second streamed (default ${DEFAULT-VALUE}, what two cores keep up with)",
            defaultValue = "0.5")
    double rate;

    @Option(
            names = "--every-seconds",
            description = "sampling interval (default ${DEFAULT-VALUE})",
            defaultValue = "30")
    int everySeconds;

    @Option(names = "--out", required = true, description = "write the results as JSON here; the plot goes beside it")
    Path out;

    /** One sample of the run. */
    record Sample(
            double minutes,
            double heapAfterCollectionMb,
            double heapCommittedMb,
            double residentMb,
            Map<String, Long> checkpointBytes,
            long imagesSent,
            long seedsCommitted,
            long errorsLogged,
            Trainer trainer) {}

    /** The trainer's counters from its metrics (-1 before it reports them): samples taken in, steps, steps of replay alone, the last step's time. */
    record Trainer(long samples, long steps, long replaySteps, long stepMs) {
        static Trainer of(FlinkCluster flink, JobClient job) throws IOException, InterruptedException {
            Map<String, Double> metrics = flink.operatorMetrics(
                    job, "train", List.of("trainerSamples", "trainerSteps", "replaySteps", "stepMs"));
            return new Trainer(
                    metrics.getOrDefault("trainerSamples", -1.0).longValue(),
                    metrics.getOrDefault("trainerSteps", -1.0).longValue(),
                    metrics.getOrDefault("replaySteps", -1.0).longValue(),
                    metrics.getOrDefault("stepMs", -1.0).longValue());
        }
    }

    @Override
    public Integer call() throws Exception {
        SeedStreamConfig config = configOptions.load().with("trainer.publishEverySeconds", 30);
        SyntheticDataset data = new SyntheticDataset(config.synthetic());
        Topics topics = new Topics("soak.");
        ErrorCounter errors = ErrorCounter.install();
        Path dir = Files.createTempDirectory("seedstream-soak-");
        List<Sample> samples = new ArrayList<>();
        PrintStream quiet = new PrintStream(OutputStream.nullOutputStream());
        FlinkCluster flink = FlinkCluster.local(0, 4);
        try (DataDirectory directory = DataDirectory.open(dir, Map.of("run", "soak"), true);
                LocalPipeline pipeline = LocalPipeline.start(
                        new LocalPipeline.Place(directory, null, null, topics),
                        new LocalPipeline.Images(data.classes(), List.of(), List.of(), i -> false, List.of()),
                        config,
                        flink,
                        Duration.ofSeconds(10),
                        0,
                        false,
                        quiet);
                ModelServer server = ModelServer.start(config, pipeline.kafka(), topics, "127.0.0.1", 0);
                KafkaConsumer<byte[], byte[]> seeds = KafkaWiring.committedReader(pipeline.kafka(), "soak-")) {
            seeds.subscribe(List.of(topics.seeds()));
            AtomicBoolean running = new AtomicBoolean(true);
            AtomicLong sent = new AtomicLong();
            Thread producer = new Thread(
                    () -> new SteadyImageStream(pipeline.kafka(), topics, data, rate, "soak")
                            .run(running::get, new SteadyImageStream.Listener() {
                                @Override
                                public void sent(String id, boolean labeled) {}

                                @Override
                                public void acknowledged(String id, boolean labeled) {
                                    if (labeled) {
                                        sent.incrementAndGet();
                                    }
                                }
                            }),
                    "soak-producer");
            Thread client = new Thread(() -> segmentEverySecond(server, data, running), "soak-client");
            producer.start();
            client.start();
            long started = System.nanoTime();
            long ends = started + (long) (minutes * 60e9);
            long committed = 0;
            Progress progress = new Progress(System.err);
            progress.start("soak", (long) Math.ceil(minutes * 60 / everySeconds));
            int sampled = 0;
            try {
                while (System.nanoTime() < ends) {
                    Thread.sleep(everySeconds * 1000L);
                    committed += drain(seeds);
                    Map<String, Long> checkpointBytes = new LinkedHashMap<>();
                    List<JobClient> jobs = pipeline.jobs();
                    for (int j = 0; j < jobs.size(); j++) {
                        checkpointBytes.put(
                                FlinkCluster.Job.values()[j].title(),
                                flink.latestCheckpointStateBytes(jobs.get(j)).orElse(-1));
                    }
                    Sample sample = new Sample(
                            (System.nanoTime() - started) / 60e9,
                            heapAfterCollectionMb(),
                            ManagementFactory.getMemoryMXBean()
                                            .getHeapMemoryUsage()
                                            .getCommitted()
                                    / 1048576.0,
                            ResidentMemory.megabytes(ProcessHandle.current().pid()),
                            checkpointBytes,
                            sent.get(),
                            committed,
                            errors.count(),
                            Trainer.of(flink, jobs.get(FlinkCluster.Job.TRAINER.ordinal())));
                    samples.add(sample);
                    progress.update(
                            ++sampled,
                            String.format(
                                    "RSS %.0f MB, heap %.0f MB, sent %d, seeded %d, trained on %d (%d steps, %d replay, %d ms),"
                                            + " errors %d",
                                    sample.residentMb(),
                                    sample.heapAfterCollectionMb(),
                                    sample.imagesSent(),
                                    sample.seedsCommitted(),
                                    sample.trainer().samples(),
                                    sample.trainer().steps(),
                                    sample.trainer().replaySteps(),
                                    sample.trainer().stepMs(),
                                    sample.errorsLogged()));
                }
            } finally {
                running.set(false);
                producer.join(30_000);
                client.join(30_000);
            }
        } finally {
            errors.remove();
            Directories.deleteRecursively(dir);
        }
        SoakReport.write(samples, minutes, rate, out);
        return 0;
    }

    /** Every committed seed record there is now: one poll returns at most a fetch's worth of these large records. */
    private static long drain(KafkaConsumer<byte[], byte[]> seeds) {
        long count = 0;
        for (int read = -1; read != 0; ) {
            read = seeds.poll(Duration.ofSeconds(1)).count();
            count += read;
        }
        return count;
    }

    /** A client of the server the whole run: one segmentation a second. */
    private static void segmentEverySecond(ModelServer server, SyntheticDataset data, AtomicBoolean running) {
        HttpClient http =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        for (int i = 0; running.get(); i++) {
            try {
                LabeledImage image = data.image(i % 64);
                http.send(
                        HttpRequest.newBuilder(URI.create(server.url() + "v1/segment"))
                                .timeout(Duration.ofSeconds(30))
                                .POST(HttpRequest.BodyPublishers.ofByteArray(
                                        ImageCodec.encodePng(image.width(), image.height(), image.rgb())))
                                .build(),
                        HttpResponse.BodyHandlers.discarding());
                Thread.sleep(1000);
            } catch (IOException e) {
                // not ready yet, or busy: the soak measures memory, the server bench measures requests
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** The heap the last collections left in use: what survives, not what awaits collection. */
    private static double heapAfterCollectionMb() {
        long used = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            MemoryUsage afterCollection = pool.getCollectionUsage();
            if (pool.getType() == MemoryType.HEAP && afterCollection != null) {
                used += afterCollection.getUsed();
            }
        }
        return used / 1048576.0;
    }

    /** Counts the ERROR (and FATAL) events of every logger while installed. */
    private static final class ErrorCounter extends AbstractAppender {
        private final AtomicLong count = new AtomicLong();

        private ErrorCounter() {
            super("soak-error-counter", null, null, true, Property.EMPTY_ARRAY);
        }

        static ErrorCounter install() {
            ErrorCounter counter = new ErrorCounter();
            counter.start();
            LoggerContext context = (LoggerContext) LogManager.getContext(false);
            context.getConfiguration().getRootLogger().addAppender(counter, Level.ERROR, null);
            context.updateLoggers();
            return counter;
        }

        @Override
        public void append(LogEvent event) {
            count.incrementAndGet();
        }

        long count() {
            return count.get();
        }

        void remove() {
            LoggerContext context = (LoggerContext) LogManager.getContext(false);
            context.getConfiguration().getRootLogger().removeAppender(getName());
            context.updateLoggers();
            stop();
        }
    }
}
