package io.seedstream.benchmarks;

import ai.djl.TrainingDivergedException;
import ai.djl.ndarray.NDManager;
import io.seedstream.flink.FlinkCluster;
import io.seedstream.flink.common.KafkaSettings;
import io.seedstream.flink.common.KafkaWiring;
import io.seedstream.flink.common.ModelRecords;
import io.seedstream.flink.training.WarmStart;
import io.seedstream.records.Bytes;
import io.seedstream.records.InvalidRecordException;
import io.seedstream.records.ModelSnapshotRecord;
import io.seedstream.records.RecordCodec;
import io.seedstream.records.SeedRecord;
import io.seedstream.records.Topics;
import io.seedstream.records.kafka.ImageStreamer;
import io.seedstream.records.kafka.KafkaClients;
import io.seedstream.records.kafka.KafkaConnection;
import io.seedstream.records.kafka.TopicSetup;
import io.seedstream.segmentation.config.SeedStreamConfig;
import io.seedstream.segmentation.data.ClassList;
import io.seedstream.segmentation.data.DatasetLoad;
import io.seedstream.segmentation.data.LabeledImage;
import io.seedstream.segmentation.data.MaskedDatasetReader;
import io.seedstream.segmentation.data.SyntheticDataset;
import io.seedstream.segmentation.data.WorkingSize;
import io.seedstream.segmentation.metrics.SegmentationMetrics;
import io.seedstream.segmentation.nn.Autograd;
import io.seedstream.segmentation.nn.ModelName;
import io.seedstream.segmentation.nn.Segmenter;
import io.seedstream.segmentation.nn.SegmenterArchitecture;
import io.seedstream.segmentation.snapshot.ModelSnapshot;
import io.seedstream.segmentation.train.Batches;
import io.seedstream.segmentation.train.HeldOutEvaluator;
import io.seedstream.segmentation.train.RandomScaleCrop;
import io.seedstream.segmentation.train.SegmenterTrainer;
import io.seedstream.segmentation.train.ServingGate;
import io.seedstream.segmentation.train.StreamingTrainer;
import io.seedstream.segmentation.train.WeightAverage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.IntPredicate;
import java.util.stream.IntStream;
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
 *   <li>state: the localization job's checkpointed state size as the number of images grows;</li>
 *   <li>learning: all three jobs from no models at all, images streamed at a fixed rate; every
 *       published segmenter scored on fixed held-out images against wall time, then an offline
 *       reference: the same segmenter trained from scratch on the same pseudo-labeled images (the
 *       committed seed records, the masks the stream carried), in shuffled epochs, for as many
 *       steps as the stream's last version took, scored on the same images. The run also reports
 *       the freshness of the segmenter versions.</li>
 * </ul>
 */
public final class PipelineBenchmark {

    /** The parts of the benchmark. */
    public enum Part {
        THROUGHPUT,
        FRESHNESS,
        STATE,
        LEARNING
    }

    /**
     * @param learningTailSeconds how long the learning run goes on after the last image is sent, so
     *     that the trainer also trains on the last ones (idle steps replay the buffer)
     * @param learningFirstImage the index of the first image the learning run streams: a run from
     *     image N on never sees the ones before, which another run can stream (a warm start's donor)
     * @param learningReferences whether the learning run also trains its references (offline, and
     *     the streaming trainer in-process) on the run's pseudo-labels: minutes after the stream
     * @param saveModelsTo where the learning run writes each model's last published snapshot, as
     *     {@code <model>.snapshot} (what {@code trainer.initFrom} reads); null: nowhere
     */
    public record Options(
            Set<Part> parts,
            int throughputImages,
            List<Integer> passes,
            int stochasticImages,
            double freshnessRate,
            int freshnessSeconds,
            int stateImages,
            double stateRate,
            int stateRetentionSeconds,
            int learningImages,
            double learningRate,
            int learningTailSeconds,
            int heldOutImages,
            Path learningCamVid,
            int learningFirstImage,
            int learningMaskEvery,
            boolean learningReferences,
            Path saveModelsTo) {
        public static Options defaults() {
            return new Options(
                    EnumSet.allOf(Part.class),
                    400,
                    List.of(0, 200),
                    48,
                    1.0,
                    240,
                    10_000,
                    100,
                    10,
                    600,
                    2.0,
                    120,
                    64,
                    null,
                    0,
                    5,
                    true,
                    null);
        }

        /**
         * Small images and a small backbone, which the state's size does not depend on, so that
         * 10,000 images take minutes; a steady rate and a short duplicate-id retention, so that
         * the run spans many retention windows.
         */
        Map<String, String> stateConfig() {
            return Map.of(
                    "synthetic.imageSize",
                    "32",
                    "backbone.channels",
                    "8,8,16,16,16,16",
                    "segmenter.channels",
                    "8,8,16,16,16,16",
                    "stream.duplicateIdRetentionSeconds",
                    Integer.toString(stateRetentionSeconds));
        }
    }

    /** Images/s through the localization job with N passes (0: dropout off). */
    public record Throughput(int passes, int images, double imagesPerSecond, double secondsPerImage) {}

    /** Image-to-model freshness at a fixed input rate. */
    public record Freshness(
            double inputRate,
            int seconds,
            int images,
            int publications,
            double medianSeconds,
            double p95Seconds,
            double maxSeconds,
            long trainerStateBytes) {}

    /** The localization job's checkpointed state when {@code images} had been seeded, {@code seconds} into the run. */
    public record StatePoint(long images, double seconds, long stateBytes) {}

    /**
     * A published segmenter: {@code seconds} after the first image was sent, when {@code imagesSent}
     * had been sent; its mIoU on the benchmark's held-out images and on the trainer's own eval set;
     * {@code newSamples} pseudo-labeled images it is the first version to have trained on.
     */
    public record LearningPoint(
            long version,
            long trainingStep,
            double seconds,
            long imagesSent,
            double heldOutMiou,
            Double trainerEvalMiou,
            int newSamples) {}

    /**
     * The stream's learning against the offline reference on the same pseudo-labeled images.
     *
     * @param offlineSamples the pseudo-labeled images the offline reference trained on (the seed
     *     records, less the trainer's held-out share)
     * @param offlineCurve the offline reference's held-out mIoU (step, mIoU) at the steps of the stream's versions
     * @param offlineSkippedSteps offline steps skipped for non-finite gradients
     * @param inProcessStreamMiou the streaming trainer in this process, on the same pseudo-labels in
     *     the order their seeds were committed, a step after each, for as many steps as the stream
     * @param pacedInProcessMiou the same, each pseudo-label given at the step range of the version
     *     that first trained on it in the stream: the stream's schedule without the pipeline
     * @param lastAgainstBestEarlier the last version against the best earlier one on the held-out
     *     images, by the serving gate's test (null with one version)
     */
    public record Learning(
            double inputRate,
            int images,
            double seconds,
            List<LearningPoint> curve,
            double streamFinalMiou,
            double streamBestMiou,
            long streamSteps,
            double offlineMiou,
            List<double[]> offlineCurve,
            double inProcessStreamMiou,
            double pacedInProcessMiou,
            ServingGate.Decision lastAgainstBestEarlier,
            int offlineSamples,
            int offlineSkippedSteps,
            int heldOutImages,
            double freshnessMedianSeconds,
            double freshnessP95Seconds) {}

    /** The parts not run are empty, or null for freshness and learning (so that the JSON report leaves them out). */
    public record Result(List<Throughput> throughput, Freshness freshness, List<StatePoint> state, Learning learning) {}

    private static final Duration CHECKPOINTS = Duration.ofSeconds(5);

    /**
     * @param images streamed, in this order
     * @param heldOut scored, never streamed, at the trainer's image size
     */
    private record LearningData(ClassList classes, List<LabeledImage> images, List<LabeledImage> heldOut) {}

    private final SeedStreamConfig config;
    private final Options options;
    private final Progress progress;
    private final KafkaConnection kafka;
    private final FlinkCluster flink;
    /** Which of the images sent carry their mask: every {@code learningMaskEvery}-th (every fifth: the demo's default). */
    private final IntPredicate withMask;

    public PipelineBenchmark(
            SeedStreamConfig config, Options options, Progress progress, KafkaConnection kafka, FlinkCluster flink) {
        this.config = config;
        this.options = options;
        this.progress = progress;
        this.kafka = kafka;
        this.flink = flink;
        this.withMask = i -> i % options.learningMaskEvery() == 0;
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
        Learning learning = options.parts().contains(Part.LEARNING) ? learning() : null;
        return new Result(throughput, freshness, state, learning);
    }

    private Throughput throughput(int passes, int images) throws Exception {
        SeedStreamConfig effective = passes == 0
                ? config.with("stream.stochasticMaps", false)
                : config.with(Map.of("stream.stochasticMaps", "true", "ficklenet.passes", Integer.toString(passes)));
        Topics topics = new Topics("bench-throughput-n" + passes + ".");
        SyntheticDataset data = new SyntheticDataset(effective.synthetic());
        prepare(topics, effective, data);
        send(topics, data.classes(), data.images(0, images), 0);
        JobClient job = submit(FlinkCluster.Job.LOCALIZATION, effective, data.classes(), topics);
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
        TopicSetup.ensure(kafka, topics, 2); // no models: the trainer publishes from scratch
        JobClient trainer = submit(FlinkCluster.Job.TRAINER, config, data.classes(), topics);
        JobClient localization = submit(FlinkCluster.Job.LOCALIZATION, config, data.classes(), topics);
        int images = (int) (options.freshnessRate() * options.freshnessSeconds());
        List<Double> freshness = new ArrayList<>();
        int publications = 0;
        try (KafkaConsumer<byte[], byte[]> consumer = KafkaWiring.committedReader(kafka, "seedstream-bench-")) {
            consumer.subscribe(List.of(topics.models()));
            Thread producer = sending(topics, data.classes(), data.images(0, images), options.freshnessRate());
            progress.start("freshness at " + options.freshnessRate() + " images/s", options.freshnessSeconds());
            long started = System.currentTimeMillis();
            // Until every image sent has reached a published segmenter, or 3 minutes after the last was sent.
            long deadline = started + options.freshnessSeconds() * 1000L + 180_000;
            while (System.currentTimeMillis() < deadline && freshness.size() < images * 0.9) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofSeconds(1))) {
                    long received = System.currentTimeMillis();
                    ModelSnapshotRecord model = RecordCodec.MODEL_SNAPSHOT.decode(record.value());
                    if (model.getName().equals(ModelName.SEGMENTER.id())) {
                        publications++;
                        model.getNewSampleTimestampsMs().forEach(t -> freshness.add((received - t) / 1000.0));
                    }
                }
                progress.update(
                        Math.min(options.freshnessSeconds(), (System.currentTimeMillis() - started) / 1000),
                        freshness.size() + " images in " + publications + " segmenter versions");
            }
            producer.interrupt();
            producer.join();
            long trainerState = flink.latestCheckpointStateBytes(trainer).orElse(-1);
            double[] sorted =
                    freshness.stream().mapToDouble(Double::doubleValue).sorted().toArray();
            return new Freshness(
                    options.freshnessRate(),
                    options.freshnessSeconds(),
                    sorted.length,
                    publications,
                    percentile(sorted, 0.5),
                    percentile(sorted, 0.95),
                    sorted.length == 0 ? Double.NaN : sorted[sorted.length - 1],
                    trainerState);
        } finally {
            localization.cancel().get();
            trainer.cancel().get();
        }
    }

    /**
     * The learning run's images: synthetic ones, or CamVid's train split streamed (up to {@code
     * learningImages} from {@code learningFirstImage} on) and its val split held out (up to {@code
     * heldOutImages}).
     */
    private LearningData learningData() throws IOException {
        if (options.learningCamVid() == null) {
            SyntheticDataset data = new SyntheticDataset(config.synthetic());
            return new LearningData(
                    data.classes(),
                    data.images(options.learningFirstImage(), options.learningImages()),
                    data.images(SyntheticDataset.HELD_OUT_START, options.heldOutImages()).stream()
                            .map(this::atWorkingSize)
                            .toList());
        }
        DatasetLoad train = MaskedDatasetReader.camVid(options.learningCamVid(), "train");
        DatasetLoad val = MaskedDatasetReader.camVid(options.learningCamVid(), "val");
        for (DatasetLoad load : List.of(train, val)) {
            if (!load.problems().isEmpty()) {
                progress.note(load.problems().size() + " CamVid files skipped, first: "
                        + load.problems().get(0));
            }
        }
        List<LabeledImage> heldOut = val.images().stream()
                .limit(options.heldOutImages())
                .map(this::atWorkingSize)
                .toList();
        if (options.learningFirstImage() >= train.images().size()) {
            throw new IllegalArgumentException("--learning-from " + options.learningFirstImage()
                    + ": CamVid's train split" + " has " + train.images().size() + " images");
        }
        return new LearningData(
                train.classes(),
                train.images().stream()
                        .skip(options.learningFirstImage())
                        .limit(options.learningImages())
                        .toList(),
                heldOut);
    }

    /** The image at the trainer's working size ({@code trainer.shortSide}), as it keeps its samples. */
    private LabeledImage atWorkingSize(LabeledImage image) {
        return WorkingSize.scale(image, config.trainer().shortSide());
    }

    private Learning learning() throws Exception {
        Topics topics = new Topics("bench-learning.");
        LearningData data = learningData();
        ClassList classes = data.classes();
        List<LabeledImage> images = data.images();
        List<LabeledImage> heldOut = data.heldOut();
        TopicSetup.ensure(kafka, topics, 2); // no models: the jobs start from nothing, as a new deployment does
        List<JobClient> jobs = new ArrayList<>();
        for (FlinkCluster.Job job : FlinkCluster.Job.values()) {
            jobs.add(submit(job, config, classes, topics));
        }
        List<LearningPoint> curve = new ArrayList<>();
        List<List<SegmentationMetrics>> versionScores =
                new ArrayList<>(); // per held-out image, for the final check against the best
        List<Double> freshness = new ArrayList<>();
        Map<String, byte[]> lastPublished = new TreeMap<>();
        try (NDManager manager = NDManager.newBaseManager();
                KafkaConsumer<byte[], byte[]> consumer = KafkaWiring.committedReader(kafka, "seedstream-bench-")) {
            consumer.subscribe(List.of(topics.models()));
            long started = System.currentTimeMillis();
            Thread producer = sending(topics, classes, images, options.learningRate());
            double sendSeconds = images.size() / options.learningRate();
            long end = started + (long) ((sendSeconds + options.learningTailSeconds()) * 1000);
            progress.start(
                    "learning: " + images.size() + " images at " + options.learningRate() + " images/s, then "
                            + options.learningTailSeconds() + " s",
                    (long) (sendSeconds + options.learningTailSeconds()));
            while (System.currentTimeMillis() < end) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofSeconds(1))) {
                    long received = System.currentTimeMillis();
                    ModelSnapshotRecord model = RecordCodec.MODEL_SNAPSHOT.decode(record.value());
                    lastPublished.put(model.getName(), Bytes.toArray(model.getParameters()));
                    if (!model.getName().equals(ModelName.SEGMENTER.id())) {
                        continue;
                    }
                    model.getNewSampleTimestampsMs().forEach(t -> freshness.add((received - t) / 1000.0));
                    double seconds = (received - started) / 1000.0;
                    List<SegmentationMetrics> scores =
                            heldOutScores(manager, Bytes.toArray(model.getParameters()), heldOut, classes);
                    versionScores.add(scores);
                    curve.add(new LearningPoint(
                            model.getVersion(),
                            model.getTrainingStep(),
                            seconds,
                            Math.min(images.size(), (long) (seconds * options.learningRate())),
                            SegmentationMetrics.merged(scores, classes.size(), classes.background())
                                    .meanIou(),
                            model.getEvalMiou(),
                            model.getNewSampleTimestampsMs().size()));
                }
                long elapsed = (System.currentTimeMillis() - started) / 1000;
                progress.update(
                        Math.min(elapsed, (long) (sendSeconds + options.learningTailSeconds())),
                        curve.isEmpty()
                                ? ""
                                : String.format(
                                        "segmenter v%d, step %d, held-out mIoU %.3f",
                                        curve.get(curve.size() - 1).version(),
                                        curve.get(curve.size() - 1).trainingStep(),
                                        curve.get(curve.size() - 1).heldOutMiou()));
            }
            producer.interrupt();
            producer.join();
        } finally {
            for (JobClient job : jobs) {
                job.cancel().get();
            }
        }
        if (curve.isEmpty()) {
            throw new IllegalStateException(
                    "no segmenter was published in the learning run: is the trainer job running?");
        }
        if (options.saveModelsTo() != null) {
            Files.createDirectories(options.saveModelsTo());
            for (Map.Entry<String, byte[]> model : lastPublished.entrySet()) {
                Files.write(options.saveModelsTo().resolve(model.getKey() + ".snapshot"), model.getValue());
            }
            progress.note("wrote the last published " + lastPublished.keySet() + " to " + options.saveModelsTo());
        }
        LearningPoint last = curve.get(curve.size() - 1);
        List<LabeledImage> sent = IntStream.range(0, images.size()) // as send() streams them
                .mapToObj(i -> withMask.test(i) ? images.get(i) : withoutMask(images.get(i)))
                .toList();
        Map<String, Integer> index = new HashMap<>();
        for (int i = 0; i < sent.size(); i++) {
            index.put(sent.get(i).id(), i);
        }
        ServingGate.Decision lastAgainstBest = lastAgainstBestEarlier(curve, versionScores, classes);
        Map<String, byte[]> seeds = committedSeeds(topics);
        int[] skipped = new int[1];
        List<StreamingTrainer.Sample> examples = new ArrayList<>();
        for (LabeledImage image : sent) {
            byte[] label = seeds.get(image.id());
            if (label != null
                    && !StreamingTrainer.isHeldOut(image, config.trainer())) { // at the trainer's working size
                examples.add(new StreamingTrainer.Sample(image, label, 0)
                        .atWorkingSize(config.trainer().shortSide()));
            }
        }
        if (!options.learningReferences()) {
            progress.note("the references (offline, in-process) are not run (--no-references)");
        }
        List<double[]> offline = options.learningReferences()
                ? offlineCurve(
                        examples,
                        curve.stream().mapToLong(LearningPoint::trainingStep).toArray(),
                        heldOut,
                        classes,
                        skipped)
                : List.of();
        Map<String, Long> stepAfterEach = new HashMap<>();
        Map<String, Long> streamPace = new HashMap<>();
        int trainable = 0; // the versions count only the images the trainer trains on: held-out ones are not
        for (String id : seeds.keySet()) {
            boolean heldOutByTrainer = StreamingTrainer.isHeldOut(sent.get(index.get(id)), config.trainer());
            streamPace.put(id, heldOutByTrainer ? 0 : streamStep(curve, trainable++));
            stepAfterEach.put(id, (long) stepAfterEach.size());
        }
        double inProcess = options.learningReferences()
                ? inProcessStreamMiou(
                        "a step after each seed",
                        sent,
                        index,
                        seeds,
                        stepAfterEach,
                        last.trainingStep(),
                        heldOut,
                        classes)
                : Double.NaN;
        double paced = options.learningReferences()
                ? inProcessStreamMiou(
                        "at the stream's pace", sent, index, seeds, streamPace, last.trainingStep(), heldOut, classes)
                : Double.NaN;
        double[] sorted =
                freshness.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return new Learning(
                options.learningRate(),
                images.size(),
                last.seconds(),
                curve,
                last.heldOutMiou(),
                curve.stream().mapToDouble(LearningPoint::heldOutMiou).max().orElse(Double.NaN),
                last.trainingStep(),
                offline.isEmpty() ? Double.NaN : offline.get(offline.size() - 1)[1],
                offline,
                inProcess,
                paced,
                lastAgainstBest,
                examples.size(),
                skipped[0],
                heldOut.size(),
                percentile(sorted, 0.5),
                percentile(sorted, 0.95));
    }

    /**
     * The step before which the stream's segmenter had the {@code n}-th pseudo-labeled image (0 the
     * first, in commit order): each version counts the images it is the first to have trained on,
     * spread evenly over the steps since the version before. An image no version trained on comes
     * after the last step.
     */
    static long streamStep(List<LearningPoint> curve, int n) {
        long previousStep = 0;
        int trained = 0;
        for (LearningPoint point : curve) {
            if (n < trained + point.newSamples()) {
                return previousStep + (n - trained) * (point.trainingStep() - previousStep) / point.newSamples();
            }
            trained += point.newSamples();
            previousStep = point.trainingStep();
        }
        return Long.MAX_VALUE;
    }

    /**
     * The offline segmenter starts where the stream's does: from the weights of a streaming trainer
     * warm-started as the trainer job's is ({@code trainer.initBackboneFrom}, then {@code trainer.initFrom}).
     */
    private void startAsTheTrainerDoes(Segmenter segmenter, ClassList classes) {
        if (config.trainer().initFrom().isEmpty()
                && config.trainer().initBackboneFrom().isBlank()) {
            return;
        }
        try (NDManager manager = NDManager.newBaseManager();
                StreamingTrainer trainer = new StreamingTrainer(config, classes, manager)) {
            WarmStart.apply(config.trainer(), trainer);
            trainer.weights(ModelName.SEGMENTER.id()).loadInto(segmenter);
        }
    }

    /**
     * The streaming trainer without the pipeline: in this process, each pseudo-labeled image given to
     * it before its step in {@code arrivalStep} (in the order their seeds were committed), then replay steps
     * up to the stream's last step; its segmenter's held-out mIoU at the end. With a step after each
     * seed it tells the pipeline's part (timing, backlog) from the trainer's schedule; paced as the
     * stream was, the schedule from the rest of the pipeline.
     */
    private double inProcessStreamMiou(
            String pace,
            List<LabeledImage> sent,
            Map<String, Integer> index,
            Map<String, byte[]> seeds,
            Map<String, Long> arrivalStep,
            long steps,
            List<LabeledImage> heldOut,
            ClassList classes) {
        SeedStreamConfig settings = config.with("trainer.gate", false)
                .with("stream.affinityWalk", false)
                .with("trainer.evalImages", heldOut.size());
        Autograd.disableOnThisThread();
        try (NDManager manager = NDManager.newBaseManager();
                StreamingTrainer trainer = new StreamingTrainer(settings, classes, manager)) {
            WarmStart.apply(settings.trainer(), trainer);
            heldOut.forEach(trainer::holdOut);
            progress.start("in-process stream, " + pace + ": " + steps + " steps on the same pseudo-labels", steps);
            List<Map.Entry<String, byte[]>> waiting = new ArrayList<>(seeds.entrySet());
            for (long step = 0; trainer.steps() < steps; step++) {
                for (var it = waiting.iterator(); it.hasNext(); ) {
                    Map.Entry<String, byte[]> seed = it.next();
                    if (arrivalStep.get(seed.getKey()) <= step) {
                        int i = index.get(seed.getKey());
                        trainer.add(new StreamingTrainer.Sample(sent.get(i), seed.getValue(), i));
                        it.remove();
                    }
                }
                if (!trainer.step() && step >= steps) {
                    break; // every seed the stream trained on has arrived, and none did
                }
                progress.update(trainer.steps(), "");
            }
            return trainer.publishDue(Long.MAX_VALUE, 0).stream()
                    .filter(p -> p.snapshot().name().equals(ModelName.SEGMENTER.id()))
                    .findFirst()
                    .orElseThrow()
                    .evalMiou();
        }
    }

    /**
     * Whether the last version holds up against the best earlier one on the held-out images (issue
     * 19's criterion: the best is picked on the same images, which favours it): the serving gate's
     * paired bootstrap over the images, at {@code trainer.gateStandardErrors}. Null with a single version.
     */
    private ServingGate.Decision lastAgainstBestEarlier(
            List<LearningPoint> curve, List<List<SegmentationMetrics>> versionScores, ClassList classes) {
        int best = -1;
        for (int i = 0; i < curve.size() - 1; i++) {
            if (best < 0 || curve.get(i).heldOutMiou() > curve.get(best).heldOutMiou()) {
                best = i;
            }
        }
        if (best < 0) {
            return null;
        }
        return new ServingGate(2, config.trainer().gateStandardErrors())
                .decide(
                        versionScores.get(versionScores.size() - 1),
                        versionScores.get(best),
                        classes.size(),
                        classes.background(),
                        0);
    }

    private static LabeledImage withoutMask(LabeledImage image) {
        return new LabeledImage(image.id(), image.width(), image.height(), image.rgb(), null, image.labels());
    }

    /** A published segmenter's counts on each held-out image. */
    private List<SegmentationMetrics> heldOutScores(
            NDManager manager, byte[] snapshot, List<LabeledImage> heldOut, ClassList classes) {
        try (NDManager scope = manager.newSubManager();
                Segmenter segmenter =
                        (Segmenter) ModelSnapshot.fromBytes(snapshot).newNetwork(scope)) {
            return HeldOutEvaluator.segmenterScores(
                    segmenter, heldOut, classes, config.segmenter().batchSize());
        }
    }

    /** The pseudo-label of every committed seed record, by image id in commit order (the last record of an id wins). */
    private Map<String, byte[]> committedSeeds(Topics topics) throws InvalidRecordException {
        Map<String, byte[]> seeds = new LinkedHashMap<>(); // in the order they were read: their commit order
        try (KafkaConsumer<byte[], byte[]> consumer = KafkaWiring.committedReader(kafka, "seedstream-bench-")) {
            consumer.subscribe(List.of(topics.seeds()));
            int emptyPolls = 0;
            while (emptyPolls < 5) { // the jobs are stopped: five empty polls in a row mean the topic is read
                var records = consumer.poll(Duration.ofSeconds(1));
                emptyPolls = records.isEmpty() ? emptyPolls + 1 : 0;
                for (ConsumerRecord<byte[], byte[]> record : records) {
                    SeedRecord seed = RecordCodec.SEED.decode(record.value());
                    seeds.put(seed.getImageId(), Bytes.toArray(seed.getPseudoLabel()));
                }
            }
        }
        return seeds;
    }

    /**
     * The offline reference: the trainer's segmenter, from the same initial weights, trained with the
     * same objective, batch size and crops in shuffled epochs over the examples (images with their
     * pseudo-labels, at their working size), scored at each of {@code scoredSteps} (ascending; the
     * last is where it stops).
     */
    private List<double[]> offlineCurve(
            List<StreamingTrainer.Sample> examples,
            long[] scoredSteps,
            List<LabeledImage> heldOut,
            ClassList classes,
            int[] skipped) {
        long steps = scoredSteps[scoredSteps.length - 1];
        List<double[]> scores = new ArrayList<>();
        int next = 0;
        Autograd.disableOnThisThread(); // the trainer turns gradients on inside its steps
        try (NDManager manager = NDManager.newBaseManager();
                Segmenter segmenter = new Segmenter(
                        SegmenterArchitecture.of(config.segmenter(), classes.size()),
                        manager,
                        config.segmenter().seed())) {
            startAsTheTrainerDoes(segmenter, classes);
            SegmenterTrainer trainer = new SegmenterTrainer(
                    segmenter,
                    config,
                    classes,
                    new SegmenterTrainer.Objective(true, config.trainer().boundaryLoss(), true));
            int batchSize = config.segmenter().batchSize();
            Random random = new Random(config.segmenter().seed());
            // Scored as the trainer publishes: the weights' moving average, when it keeps one.
            WeightAverage average = config.trainer().averageDecay() > 0
                    ? new WeightAverage(config.trainer().averageDecay())
                    : null;
            RandomScaleCrop crop = new RandomScaleCrop(
                    config.trainer().cropSize(), config.segmenter().rescaleRange());
            List<StreamingTrainer.Sample> epoch = new ArrayList<>();
            progress.start(
                    "offline reference: " + steps + " steps on " + examples.size() + " pseudo-labeled images", steps);
            for (long step = 1; step <= steps; step++) {
                List<SegmenterTrainer.Example> batch = new ArrayList<>();
                while (batch.size() < Math.min(batchSize, examples.size())) {
                    if (epoch.isEmpty()) {
                        epoch.addAll(examples);
                        Collections.shuffle(epoch, random);
                    }
                    StreamingTrainer.Sample cropped = crop.apply(epoch.remove(epoch.size() - 1), random);
                    batch.add(new SegmenterTrainer.Example(cropped.image(), Batches.maskLabels(cropped.pseudoLabel())));
                }
                try {
                    trainer.step(batch);
                    if (average != null) {
                        average.update(segmenter);
                    }
                } catch (TrainingDivergedException e) {
                    skipped[0]++;
                }
                while (next < scoredSteps.length && scoredSteps[next] == step) {
                    scores.add(new double[] {step, servedMiou(segmenter, average, heldOut, classes)});
                    next++;
                }
                progress.update(step, skipped[0] == 0 ? "" : skipped[0] + " skipped");
            }
            return scores;
        }
    }

    /** The held-out mIoU of the segmenter's averaged weights, or of its own without an average. */
    private double servedMiou(
            Segmenter segmenter, WeightAverage average, List<LabeledImage> heldOut, ClassList classes) {
        Map<String, float[]> values = average == null ? null : average.values();
        if (values == null) {
            return HeldOutEvaluator.segmenterMiou(
                    segmenter, heldOut, classes, config.segmenter().batchSize());
        }
        try (NDManager scope = segmenter.parameters().manager().newSubManager();
                Segmenter averaged = (Segmenter)
                        ModelSnapshot.of(ModelName.SEGMENTER.id(), 0, segmenter.architecture(), classes.names(), values)
                                .newNetwork(scope)) {
            return HeldOutEvaluator.segmenterMiou(
                    averaged, heldOut, classes, config.segmenter().batchSize());
        }
    }

    private List<StatePoint> state() throws Exception {
        SeedStreamConfig small = config.with(options.stateConfig());
        Topics topics = new Topics("bench-state.");
        SyntheticDataset data = new SyntheticDataset(small.synthetic());
        prepare(topics, small, data);
        JobClient job = submit(FlinkCluster.Job.LOCALIZATION, small, data.classes(), topics);
        Thread producer = sending(topics, data.classes(), data.images(0, options.stateImages()), options.stateRate());
        List<StatePoint> points = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = KafkaWiring.committedReader(kafka, "seedstream-bench-")) {
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
                progress.update(
                        seeded,
                        points.isEmpty()
                                ? ""
                                : "state " + points.get(points.size() - 1).stateBytes() + " B");
            }
            // Seeds are committed by a checkpoint; the one after it holds the state after the last image.
            long before = points.isEmpty() ? -1 : points.get(points.size() - 1).stateBytes();
            Thread.sleep(2 * CHECKPOINTS.toMillis());
            points.add(new StatePoint(
                    seeded,
                    (System.nanoTime() - started) / 1e9,
                    flink.latestCheckpointStateBytes(job).orElse(before)));
            producer.join();
            return points;
        } finally {
            job.cancel().get();
        }
    }

    /** Submits a job on these topics, checkpointing every {@link #CHECKPOINTS} into a new temporary directory. */
    private JobClient submit(FlinkCluster.Job job, SeedStreamConfig effective, ClassList classes, Topics topics)
            throws Exception {
        return flink.submit(
                job,
                effective,
                classes,
                new KafkaSettings(kafka, topics, false),
                CHECKPOINTS,
                Files.createTempDirectory("seedstream-bench-").toUri());
    }

    /**
     * Topics, and an initial classifier, segmenter and affinity head on the models topic, so that
     * every image takes the full path (the walk included, unless {@code stream.affinityWalk} is off).
     */
    private void prepare(Topics topics, SeedStreamConfig effective, SyntheticDataset data) throws Exception {
        TopicSetup.ensure(kafka, topics, 2);
        try (KafkaProducer<byte[], byte[]> producer = KafkaClients.producer(kafka)) {
            producer.send(new ProducerRecord<>(
                            topics.models(),
                            key(ModelName.CLASSIFIER.id()),
                            ModelRecords.initialClassifier(effective, data.classes(), 1, 5)))
                    .get();
            producer.send(new ProducerRecord<>(
                            topics.models(),
                            key(ModelName.SEGMENTER.id()),
                            ModelRecords.initialSegmenter(effective, data.classes(), 1, 5)))
                    .get();
            producer.send(new ProducerRecord<>(
                            topics.models(),
                            key(ModelName.AFFINITY.id()),
                            ModelRecords.initialAffinity(effective, data.classes(), 1, 5)))
                    .get();
        }
    }

    private static byte[] key(String model) {
        return model.getBytes(StandardCharsets.UTF_8);
    }

    /** The images, those of {@link #withMask} with their mask. */
    private void send(Topics topics, ClassList classes, List<LabeledImage> images, double rate)
            throws InterruptedException {
        new ImageStreamer(kafka, topics.labeledImages(), rate, null).stream(images, classes, withMask, "bench");
    }

    /** Sends the images on a thread of its own (interrupt it to stop early). */
    private Thread sending(Topics topics, ClassList classes, List<LabeledImage> images, double rate) {
        Thread producer = new Thread(
                () -> {
                    try {
                        send(topics, classes, images, rate);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                },
                "bench-producer");
        producer.start();
        return producer;
    }

    /** Creation times of the first {@code count} committed seed records. */
    private List<Long> seedTimes(Topics topics, int count, String phase) throws InvalidRecordException {
        List<Long> times = new ArrayList<>();
        progress.start(phase, count);
        try (KafkaConsumer<byte[], byte[]> consumer = KafkaWiring.committedReader(kafka, "seedstream-bench-")) {
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
