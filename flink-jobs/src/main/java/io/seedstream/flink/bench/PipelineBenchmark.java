package io.seedstream.flink.bench;

import io.seedstream.records.kafka.KafkaClients;
import io.seedstream.flink.FlinkCluster;
import io.seedstream.flink.KafkaSettings;
import io.seedstream.flink.ingest.ImageStreamer;
import io.seedstream.flink.kafka.KafkaWiring;
import io.seedstream.records.kafka.TopicSetup;
import io.seedstream.records.ModelRecords;
import io.seedstream.records.InvalidRecordException;
import io.seedstream.records.ModelSnapshotRecord;
import io.seedstream.records.RecordCodec;
import io.seedstream.records.SeedRecord;
import io.seedstream.records.Topics;
import io.seedstream.segmentation.bench.Progress;
import io.seedstream.segmentation.config.SeedStreamConfig;
import io.seedstream.segmentation.data.LabeledImage;
import io.seedstream.segmentation.data.SyntheticDataset;
import io.seedstream.segmentation.train.StreamingTrainer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import org.apache.flink.core.execution.JobClient;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * The streaming pipeline measured on this machine, on a real broker and a Flink MiniCluster:
 * <ul>
 *   <li>throughput: images/s through the localization job (decode, localization maps, class
 *       memory, seeds, exactly-once sink) for each N of FickleNet passes, from a backlog, with a
 *       published classifier; the rate is read from the seed records' creation times after a
 *       warm-up, so checkpoint commit delays do not count;</li>
 *   <li>freshness: both jobs, images streamed at a fixed rate; for each image, the time from its
 *       entry into Kafka to the moment a read-committed consumer receives the first model that
 *       trained on it;</li>
 *   <li>state: the localization job's checkpointed state size as the number of images grows.</li>
 * </ul>
 */
public final class PipelineBenchmark {

    /** The parts of the benchmark. */
    public enum Part { THROUGHPUT, FRESHNESS, STATE }

    public record Options(Set<Part> parts, int throughputImages, List<Integer> passes, int stochasticImages, double freshnessRate,
            int freshnessSeconds, int stateImages, double stateRate, int stateRetentionSeconds) {
        public static Options defaults() {
            return new Options(EnumSet.allOf(Part.class), 400, List.of(0, 200), 48, 1.0, 240, 10_000, 100, 10);
        }

        /**
         * Small images and a small backbone, which the state's size does not depend on, so that
         * 10,000 images take minutes; a steady rate and a short duplicate-id retention, so that
         * the run spans many retention windows.
         */
        Map<String, String> stateConfig() {
            return Map.of("synthetic.imageSize", "32", "backbone.channels", "8,8,16,16,16,16",
                    "segmenter.channels", "8,8,16,16,16,16", "stream.duplicateIdRetentionSeconds", Integer.toString(stateRetentionSeconds));
        }
    }

    /** Images/s through the localization job with N passes (0: dropout off). */
    public record Throughput(int passes, int images, double imagesPerSecond, double secondsPerImage) {}

    /** Image-to-model freshness at a fixed input rate. */
    public record Freshness(double inputRate, int seconds, int images, int publications, double medianSeconds, double p95Seconds,
            double maxSeconds, long trainerStateBytes) {}

    /** The localization job's checkpointed state when {@code images} had been seeded, {@code seconds} into the run. */
    public record StatePoint(long images, double seconds, long stateBytes) {}

    /** The parts not run are empty, or null for freshness (so that the JSON report leaves it out). */
    public record Result(List<Throughput> throughput, Freshness freshness, List<StatePoint> state) {}

    private static final Duration CHECKPOINTS = Duration.ofSeconds(5);

    private final SeedStreamConfig config;
    private final Options options;
    private final Progress progress;
    private final String servers;
    private final FlinkCluster flink;

    public PipelineBenchmark(SeedStreamConfig config, Options options, Progress progress, String servers, FlinkCluster flink) {
        this.config = config;
        this.options = options;
        this.progress = progress;
        this.servers = servers;
        this.flink = flink;
    }

    public Result run() throws Exception {
        List<Throughput> throughput = new ArrayList<>();
        if (options.parts().contains(Part.THROUGHPUT)) {
            for (int n : options.passes()) {
                throughput.add(throughput(n, n == 0 ? options.throughputImages() : options.stochasticImages()));
            }
        }
        Freshness freshness = options.parts().contains(Part.FRESHNESS) ? freshness() : null;
        List<StatePoint> state = options.parts().contains(Part.STATE) ? state() : List.of();
        return new Result(throughput, freshness, state);
    }

    private Throughput throughput(int passes, int images) throws Exception {
        SeedStreamConfig effective = config.with(Map.of("stream.localizationPasses", Integer.toString(passes)));
        Topics topics = new Topics("bench-throughput-n" + passes + ".");
        SyntheticDataset data = new SyntheticDataset(effective.synthetic());
        prepare(topics, effective, data);
        send(topics, data, data.images(0, images), 0);
        JobClient job = submit(FlinkCluster.Job.LOCALIZATION, effective, data, topics);
        try {
            List<Long> created = seedTimes(topics, images, "throughput, N = " + passes);
            // Warm-up: the first 10% (model loading, JIT, the first checkpoint) is left out. Images
            // of one micro-batch are seeded together, so the count is of the images seeded after the
            // warm-up's last one, over the time from it to the last.
            long[] times = created.stream().mapToLong(Long::longValue).sorted().toArray();
            long warm = times[images / 10];
            long after = Arrays.stream(times).filter(t -> t > warm).count();
            if (after == 0) {
                throw new IllegalStateException("all " + images + " images were seeded at once (one micro-batch): "
                        + "send more images than stream.microBatchSize to measure a rate");
            }
            double rate = after / ((times[times.length - 1] - warm) / 1000.0);
            return new Throughput(passes, images, rate, 1 / rate);
        } finally {
            job.cancel().get();
        }
    }

    private Freshness freshness() throws Exception {
        Topics topics = new Topics("bench-freshness.");
        SyntheticDataset data = new SyntheticDataset(config.synthetic());
        TopicSetup.ensure(servers, topics, 2); // no models: the trainer publishes from scratch
        JobClient trainer = submit(FlinkCluster.Job.TRAINER, config, data, topics);
        JobClient localization = submit(FlinkCluster.Job.LOCALIZATION, config, data, topics);
        int images = (int) (options.freshnessRate() * options.freshnessSeconds());
        List<Double> freshness = new ArrayList<>();
        int publications = 0;
        try (KafkaConsumer<byte[], byte[]> consumer = KafkaWiring.committedReader(servers, "seedstream-bench-")) {
            consumer.subscribe(List.of(topics.models()));
            Thread producer = sending(topics, data, data.images(0, images), options.freshnessRate());
            progress.start("freshness at " + options.freshnessRate() + " images/s", options.freshnessSeconds());
            long started = System.currentTimeMillis();
            // Until every image sent has reached a published segmenter, or 3 minutes after the last was sent.
            long deadline = started + options.freshnessSeconds() * 1000L + 180_000;
            while (System.currentTimeMillis() < deadline && freshness.size() < images * 0.9) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofSeconds(1))) {
                    long received = System.currentTimeMillis();
                    ModelSnapshotRecord model = RecordCodec.MODEL_SNAPSHOT.decode(record.value());
                    if (model.getName().equals(StreamingTrainer.SEGMENTER)) {
                        publications++;
                        model.getNewSampleTimestampsMs().forEach(t -> freshness.add((received - t) / 1000.0));
                    }
                }
                progress.update(Math.min(options.freshnessSeconds(), (System.currentTimeMillis() - started) / 1000),
                        freshness.size() + " images in " + publications + " segmenter versions");
            }
            producer.interrupt();
            producer.join();
            long trainerState = flink.latestCheckpointStateBytes(trainer).orElse(-1);
            double[] sorted = freshness.stream().mapToDouble(Double::doubleValue).sorted().toArray();
            return new Freshness(options.freshnessRate(), options.freshnessSeconds(), sorted.length, publications,
                    percentile(sorted, 0.5), percentile(sorted, 0.95), sorted.length == 0 ? Double.NaN : sorted[sorted.length - 1],
                    trainerState);
        } finally {
            localization.cancel().get();
            trainer.cancel().get();
        }
    }

    private List<StatePoint> state() throws Exception {
        SeedStreamConfig small = config.with(options.stateConfig());
        Topics topics = new Topics("bench-state.");
        SyntheticDataset data = new SyntheticDataset(small.synthetic());
        prepare(topics, small, data);
        JobClient job = submit(FlinkCluster.Job.LOCALIZATION, small, data, topics);
        Thread producer = sending(topics, data, data.images(0, options.stateImages()), options.stateRate());
        List<StatePoint> points = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = KafkaWiring.committedReader(servers, "seedstream-bench-")) {
            consumer.subscribe(List.of(topics.seeds()));
            progress.start("state size over " + options.stateImages() + " images", options.stateImages());
            long started = System.nanoTime();
            long seeded = 0;
            long nextSample = 0;
            while (seeded < options.stateImages()) {
                seeded += consumer.poll(Duration.ofSeconds(1)).count();
                if (seeded >= nextSample) {
                    OptionalLong bytes = flink.latestCheckpointStateBytes(job);
                    if (bytes.isPresent()) {
                        points.add(new StatePoint(seeded, (System.nanoTime() - started) / 1e9, bytes.getAsLong()));
                        nextSample = seeded + options.stateImages() / 20;
                    }
                }
                progress.update(seeded, points.isEmpty() ? "" : "state " + points.get(points.size() - 1).stateBytes() + " B");
            }
            // Seeds are committed by a checkpoint; the one after it holds the state after the last image.
            long before = points.isEmpty() ? -1 : points.get(points.size() - 1).stateBytes();
            Thread.sleep(2 * CHECKPOINTS.toMillis());
            points.add(new StatePoint(seeded, (System.nanoTime() - started) / 1e9, flink.latestCheckpointStateBytes(job).orElse(before)));
            producer.join();
            return points;
        } finally {
            job.cancel().get();
        }
    }

    /** Submits a job on these topics, checkpointing every {@link #CHECKPOINTS} into a new temporary directory. */
    private JobClient submit(FlinkCluster.Job job, SeedStreamConfig effective, SyntheticDataset data, Topics topics) throws Exception {
        return flink.submit(job, effective, data.classes(), new KafkaSettings(servers, topics, false), CHECKPOINTS,
                Files.createTempDirectory("seedstream-bench-").toUri());
    }

    /**
     * Topics, and an initial classifier, segmenter and affinity head on the models topic, so that
     * every image takes the full path (the walk included, unless {@code stream.affinityWalk} is off).
     */
    private void prepare(Topics topics, SeedStreamConfig effective, SyntheticDataset data) throws Exception {
        TopicSetup.ensure(servers, topics, 2);
        try (KafkaProducer<byte[], byte[]> producer = KafkaClients.producer(servers)) {
            producer.send(new ProducerRecord<>(topics.models(), key(StreamingTrainer.CLASSIFIER),
                    ModelRecords.initialClassifier(effective, data.classes(), 1, 5))).get();
            producer.send(new ProducerRecord<>(topics.models(), key(StreamingTrainer.SEGMENTER),
                    ModelRecords.initialSegmenter(effective, data.classes(), 1, 5))).get();
            producer.send(new ProducerRecord<>(topics.models(), key(StreamingTrainer.AFFINITY),
                    ModelRecords.initialAffinity(effective, data.classes(), 1, 5))).get();
        }
    }

    private static byte[] key(String model) {
        return model.getBytes(StandardCharsets.UTF_8);
    }

    /** Every fifth image with its mask, as the demo's default mask fraction. */
    private void send(Topics topics, SyntheticDataset data, List<LabeledImage> images, double rate) throws InterruptedException {
        new ImageStreamer(servers, topics.labeledImages(), rate, null).stream(images, data.classes(), i -> i % 5 == 0, "bench");
    }

    /** Sends the images on a thread of its own (interrupt it to stop early). */
    private Thread sending(Topics topics, SyntheticDataset data, List<LabeledImage> images, double rate) {
        Thread producer = new Thread(() -> {
            try {
                send(topics, data, images, rate);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "bench-producer");
        producer.start();
        return producer;
    }

    /** Creation times of the first {@code count} committed seed records. */
    private List<Long> seedTimes(Topics topics, int count, String phase) throws InvalidRecordException {
        List<Long> times = new ArrayList<>();
        progress.start(phase, count);
        try (KafkaConsumer<byte[], byte[]> consumer = KafkaWiring.committedReader(servers, "seedstream-bench-")) {
            consumer.subscribe(List.of(topics.seeds()));
            while (times.size() < count) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofSeconds(1))) {
                    SeedRecord seed = RecordCodec.SEED.decode(record.value());
                    times.add(seed.getTimestampMs());
                }
                progress.update(times.size(), "");
            }
        }
        return times;
    }

    static double percentile(double[] sorted, double q) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        return sorted[(int) Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
    }
}
