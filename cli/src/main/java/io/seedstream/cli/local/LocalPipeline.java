package io.seedstream.cli.local;

import io.seedstream.embedded.EmbeddedKafka;
import io.seedstream.flink.FlinkCluster;
import io.seedstream.flink.RetainedCheckpoints;
import io.seedstream.flink.common.KafkaSettings;
import io.seedstream.records.Topics;
import io.seedstream.records.kafka.DeliveredIds;
import io.seedstream.records.kafka.ImageStreamer;
import io.seedstream.records.kafka.KafkaConnection;
import io.seedstream.records.kafka.TopicSetup;
import io.seedstream.segmentation.config.SeedStreamConfig;
import io.seedstream.segmentation.data.ClassList;
import io.seedstream.segmentation.data.LabeledImage;
import java.io.PrintStream;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.IntPredicate;
import java.util.stream.Collectors;
import org.apache.flink.core.execution.JobClient;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.core.config.Configurator;

/**
 * The whole pipeline run from one process, as {@code ./seedstream demo} runs it: Kafka (an embedded
 * broker, or a given cluster), the three jobs, a producer streaming the labeled images and then the
 * unlabeled pool, and (optionally) the oracle answering label requests. What a restart needs lives in
 * the {@link DataDirectory}; started again on it, the pipeline resumes: the broker keeps its topics,
 * each job restores its latest retained checkpoint, and the producer and the oracle skip what they
 * delivered before. {@link #close} stops everything in order.
 */
public final class LocalPipeline implements AutoCloseable {

    private static final Duration CLIENT_STOP_WAIT = Duration.ofSeconds(30);
    /**
     * Warnings that stopping brings, of things meant to stop: the periodic checkpoint that a job's
     * cancellation cuts short (with a 35-line stack), the broker's client closed twice on its way down.
     */
    private static final Map<String, Level> SHUTDOWN_NOISE = Map.of(
            "org.apache.flink.runtime.checkpoint.CheckpointFailureManager", Level.ERROR,
            "org.apache.kafka.clients.NetworkClient", Level.ERROR);

    /**
     * The images: the held-out ones first (with their masks; nothing trains on them, the model server
     * scores every version on them), then the labeled ones (the i-th with its mask if {@code sendsMask}),
     * then the unlabeled pool.
     */
    public record Images(
            ClassList classes,
            List<LabeledImage> heldOut,
            List<LabeledImage> labeled,
            IntPredicate sendsMask,
            List<LabeledImage> pool) {}

    /** Where it runs: {@code kafka} null starts the embedded broker, {@code checkpoints} null keeps them in the data directory. */
    public record Place(DataDirectory data, KafkaConnection kafka, URI checkpoints, Topics topics) {}

    private final List<AutoCloseable> resources = new ArrayList<>(); // closed first to last
    private final KafkaConnection kafka;
    private final List<JobClient> jobs = new ArrayList<>();
    private final DeliveredIds delivered;
    private final DeliveredIds answered;
    private OracleLabeler oracle;
    private Thread producer;

    private LocalPipeline(KafkaConnection kafka, DeliveredIds delivered, DeliveredIds answered) {
        this.kafka = kafka;
        this.delivered = delivered;
        this.answered = answered;
    }

    /**
     * Starts it on {@code flink}, which it closes on {@link #close}; {@code rate} is images per second
     * (0: unthrottled); {@code oracle} answers the label requests with the pool's truth (else people do).
     */
    public static LocalPipeline start(
            Place place,
            Images images,
            SeedStreamConfig config,
            FlinkCluster flink,
            Duration checkpointInterval,
            double rate,
            boolean oracle,
            PrintStream out)
            throws Exception {
        List<AutoCloseable> opened = new ArrayList<>();
        opened.add(flink);
        try {
            KafkaConnection kafka = place.kafka();
            if (kafka == null) {
                EmbeddedKafka broker = EmbeddedKafka.start(place.data().kafkaLogs());
                opened.add(broker); // closed after Flink, whose tasks write to it
                kafka = KafkaConnection.plain(broker.bootstrapServers());
                out.println("Kafka: embedded broker at " + kafka + ", log in "
                        + place.data().kafkaLogs());
            }
            List<String> created = TopicSetup.ensure(kafka, place.topics(), 2);
            out.println("topics: " + (created.isEmpty() ? "all present" : "created " + created));
            DeliveredIds delivered = DeliveredIds.kept(place.data().producerDelivered());
            opened.add(0, delivered);
            DeliveredIds answered = DeliveredIds.kept(place.data().oracleAnswered());
            opened.add(0, answered);
            LocalPipeline pipeline = new LocalPipeline(kafka, delivered, answered);
            pipeline.resources.addAll(opened);
            opened.clear(); // the pipeline owns them now
            try {
                pipeline.submitJobs(flink, config, images.classes(), place, checkpointInterval, out);
                pipeline.startProducer(images, place.topics(), rate, out);
                if (oracle) {
                    pipeline.startOracle(images, place.topics(), config, out);
                }
                return pipeline;
            } catch (Exception | Error e) {
                pipeline.close();
                throw e;
            }
        } catch (Exception | Error e) {
            for (AutoCloseable resource : opened) {
                resource.close();
            }
            throw e;
        }
    }

    /** The Kafka cluster the pipeline uses. */
    public KafkaConnection kafka() {
        return kafka;
    }

    /** The three jobs, in the order of {@link FlinkCluster.Job}. */
    public List<JobClient> jobs() {
        return List.copyOf(jobs);
    }

    /** The oracle, if it answers the label requests. */
    public OracleLabeler oracle() {
        return oracle;
    }

    /** Images the producer delivered, in this run and earlier ones on the same data directory. */
    public int delivered() {
        return delivered.size();
    }

    /** Whether the producer has sent everything (or was stopped). */
    public boolean producerDone() {
        return !producer.isAlive();
    }

    private void submitJobs(
            FlinkCluster flink,
            SeedStreamConfig config,
            ClassList classes,
            Place place,
            Duration interval,
            PrintStream out)
            throws Exception {
        URI checkpoints =
                place.checkpoints() != null ? place.checkpoints() : place.data().checkpoints();
        out.println("checkpoints: " + checkpoints + " (kept when the demo stops; the next start resumes from them)");
        KafkaSettings settings = new KafkaSettings(kafka, place.topics(), false);
        for (FlinkCluster.Job job : FlinkCluster.Job.values()) {
            URI directory = job.checkpoints(checkpoints);
            String restore = RetainedCheckpoints.latest(directory).orElse(null);
            if (restore != null) {
                int older = RetainedCheckpoints.deleteAllBut(directory, restore);
                out.println(job.title() + ": resuming from " + restore
                        + (older > 0 ? " (deleted " + older + " older run folders)" : ""));
            }
            jobs.add(flink.submit(job, config, classes, settings, interval, directory, restore));
        }
        // Cancelled, not stopped with a savepoint: the retained checkpoint is what the next start
        // restores, and the few seconds of work after it are done again, exactly once.
        resources.add(0, () -> {
            for (JobClient job : jobs) {
                job.cancel().get();
            }
            for (JobClient job :
                    jobs) { // cancelled, not only asked to: else the cluster's stop finds them still running
                awaitTermination(job);
            }
        });
    }

    private void startProducer(Images images, Topics topics, double rate, PrintStream out) {
        int before = delivered.size();
        if (before > 0) {
            out.println("producer: " + before + " images were delivered before; sending the rest");
        }
        List<LabeledImage> unlabeled =
                images.pool().stream().map(LocalPipeline::withoutLabels).toList();
        producer = new Thread(
                () -> {
                    try {
                        ImageStreamer.Summary heldOut = new ImageStreamer(kafka, topics.heldOutImages(), 0, null)
                                .stream(images.heldOut(), images.classes(), i -> true, "demo", delivered);
                        if (!heldOut.failed().isEmpty()) {
                            out.println("producer: refused held-out images " + heldOut.failed());
                        }
                        ImageStreamer.Summary labeled = new ImageStreamer(kafka, topics.labeledImages(), rate, null)
                                .stream(images.labeled(), images.classes(), images.sendsMask(), "demo", delivered);
                        ImageStreamer.Summary pool = new ImageStreamer(kafka, topics.unlabeledImages(), rate, null)
                                .stream(unlabeled, images.classes(), i -> false, "demo", delivered);
                        out.printf(
                                "producer: sent %d labeled and %d unlabeled images in %.0f s%s%s%n",
                                labeled.sent(),
                                pool.sent(),
                                labeled.seconds() + pool.seconds(),
                                labeled.deliveredBefore() + pool.deliveredBefore() > 0
                                        ? " (" + (labeled.deliveredBefore() + pool.deliveredBefore())
                                                + " were delivered before)"
                                        : "",
                                labeled.failed().isEmpty() && pool.failed().isEmpty()
                                        ? ""
                                        : ", refused " + labeled.failed() + " " + pool.failed());
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                },
                "producer");
        producer.setDaemon(true);
        producer.start();
        resources.add(0, () -> stop(producer));
    }

    private void startOracle(Images images, Topics topics, SeedStreamConfig config, PrintStream out) {
        Map<String, LabeledImage> truth =
                images.pool().stream().collect(Collectors.toMap(LabeledImage::id, image -> image, (a, b) -> a));
        oracle = new OracleLabeler(
                kafka,
                topics,
                truth,
                images.classes(),
                Duration.ofMillis(config.active().oracleDelayMs()),
                true,
                answered);
        if (answered.size() > 0) {
            out.println("oracle: " + answered.size() + " requests were answered before; answering the rest");
        }
        Thread thread = new Thread(oracle, "oracle");
        thread.setDaemon(true);
        thread.start();
        resources.add(0, () -> stop(thread));
    }

    private static void awaitTermination(JobClient job) throws Exception {
        long deadline = System.nanoTime() + CLIENT_STOP_WAIT.toNanos();
        while (!job.getJobStatus().get().isGloballyTerminalState() && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
    }

    /** Interrupts a client thread and waits while it closes its Kafka client, whose last acknowledgements it records. */
    private static void stop(Thread thread) throws InterruptedException {
        thread.interrupt();
        thread.join(CLIENT_STOP_WAIT.toMillis());
    }

    private static LabeledImage withoutLabels(LabeledImage image) {
        return new LabeledImage(image.id(), image.width(), image.height(), image.rgb(), null, new int[0]);
    }

    /** Stops the oracle and the producer, cancels the jobs (their latest checkpoints stay), stops Flink and the broker. */
    @Override
    public void close() {
        boolean interrupted =
                Thread.interrupted(); // closing must not be cut short by the interrupt that stopped the caller
        Configurator.setLevel(SHUTDOWN_NOISE);
        try {
            for (AutoCloseable resource : resources) {
                try {
                    resource.close();
                } catch (Exception e) {
                    System.err.println("while shutting down: " + e);
                }
            }
            resources.clear();
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
