package io.seedstream.benchmarks;

import ai.djl.ndarray.NDManager;
import io.seedstream.segmentation.config.SeedStreamConfig;
import io.seedstream.segmentation.data.ClassList;
import io.seedstream.segmentation.data.DatasetLoad;
import io.seedstream.segmentation.data.LabeledImage;
import io.seedstream.segmentation.data.MaskedDatasetReader;
import io.seedstream.segmentation.data.SyntheticDataset;
import io.seedstream.segmentation.data.WorkingSize;
import io.seedstream.segmentation.metrics.SegmentationMetrics;
import io.seedstream.segmentation.nn.Autograd;
import io.seedstream.segmentation.nn.Devices;
import io.seedstream.segmentation.nn.ModelName;
import io.seedstream.segmentation.train.ClassifierTrainer;
import io.seedstream.segmentation.train.SegmenterTrainer;
import io.seedstream.segmentation.train.StreamingTrainer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.IntFunction;
import java.util.stream.Stream;

/**
 * The streaming trainer over a long run, with GAIN's attention mining and DSRG's boundary loss each
 * on and off: the same {@link StreamingTrainer} the trainer job runs, fed a stream of synthetic
 * images or CamVid photos (labels for the classifier, a share with their masks) and their seeds, and scored every
 * {@code evalEvery} steps on fixed held-out images, as the stream scores each publication (the
 * segmenter's most probable class; the confident seeds of the classifier's maps).
 *
 * <p>The seeds here are idealised: the true mask with a band of {@code SEED_BAND} pixels around every
 * class boundary left unlabeled. The run measures whether training holds (collapse, skipped
 * steps), not how good pseudo-labels are; {@code bench segmentation} measures those. The affinity
 * head is left out ({@code stream.affinityWalk=false}): it does not feed back into these models.
 */
public final class TrainerBenchmark {

    /** Unlabeled pixels on each side of a class boundary in the idealised seeds. */
    static final int SEED_BAND = 2;

    /**
     * @param imagesPerStep new images entering the stream before each step
     * @param camVid a CamVid root whose train split is streamed (over and over, at the trainer's working size)
     *     and whose val split is held out; null for synthetic images
     */
    public record Options(
            int steps,
            int evalEvery,
            int imagesPerStep,
            double maskFraction,
            int evalImages,
            List<String> runs,
            String camVid) {
        public static Options defaults() {
            return new Options(
                    5000, 250, 4, 0.1, 64, RUNS.stream().map(RunSwitches::name).toList(), null);
        }
    }

    /** The images streamed (the i-th to enter) and those held out. */
    private record Data(ClassList classes, IntFunction<LabeledImage> streamed, List<LabeledImage> heldOut) {}

    /** A run's name and its switches, trainer.gain and trainer.boundaryLoss. */
    record RunSwitches(String name, boolean gain, boolean boundary) {}

    static final List<RunSwitches> RUNS = List.of(
            new RunSwitches("base", false, false),
            new RunSwitches("gain", true, false),
            new RunSwitches("boundary", false, true),
            new RunSwitches("gain+boundary", true, true));

    /** One evaluation: held-out mIoU of both models and the latest step's loss terms. */
    public record Point(
            long step,
            double segmenterMiou,
            double classifierMiou,
            ClassifierTrainer.StepLosses classifier,
            SegmenterTrainer.StepLosses segmenter) {}

    /**
     * @param collapsed whether a model ended below half of its best held-out mIoU along the run, or
     *     the segmenter no better than calling every pixel background
     * @param skippedSteps steps that diverged (non-finite loss or gradient) and were undone
     * @param steps the steps taken so far (the options' steps once the run is over)
     */
    public record Run(
            String name,
            boolean gain,
            boolean boundary,
            List<Point> curve,
            long skippedSteps,
            boolean collapsed,
            double seconds,
            int steps) {
        public Point last() {
            return curve.get(curve.size() - 1);
        }
    }

    /** @param complete false for the results so far, reported after each score of a run under way */
    public record Result(Options options, List<Run> runs, boolean complete) {}

    private final SeedStreamConfig config;
    private final Options options;
    private final Progress progress;

    public TrainerBenchmark(SeedStreamConfig config, Options options, Progress progress) {
        if (options.steps() < 1
                || options.evalEvery() < 1
                || options.imagesPerStep() < 1
                || options.evalImages() < 1
                || !(options.maskFraction() >= 0 && options.maskFraction() <= 1)) {
            throw new IllegalArgumentException(
                    "the trainer benchmark needs steps, evalEvery, imagesPerStep and evalImages >= 1 "
                            + "and maskFraction in [0, 1], got " + options);
        }
        List<String> known = RUNS.stream().map(RunSwitches::name).toList();
        for (String run : options.runs()) {
            if (!known.contains(run)) {
                throw new IllegalArgumentException("unknown run " + run + "; runs are " + known);
            }
        }
        this.config = config;
        this.options = options;
        this.progress = progress;
    }

    /**
     * @param soFar told, after each score, the finished runs and the one under way, so that a long
     *     benchmark that is stopped keeps what it measured
     */
    public Result run(Consumer<Result> soFar) {
        Autograd.disableOnThisThread(); // trainers turn gradients on inside their steps
        List<Run> runs = new ArrayList<>();
        for (String name : options.runs()) {
            RunSwitches switches = RUNS.stream()
                    .filter(run -> run.name().equals(name))
                    .findFirst()
                    .orElseThrow();
            runs.add(run(
                    name,
                    switches.gain(),
                    switches.boundary(),
                    underWay -> soFar.accept(new Result(
                            options,
                            Stream.concat(runs.stream(), Stream.of(underWay)).toList(),
                            false))));
        }
        return new Result(options, runs, true);
    }

    private Run run(String name, boolean gain, boolean boundary, Consumer<Run> afterEachScore) {
        SeedStreamConfig settings = config.with("trainer.gain", gain)
                .with("trainer.boundaryLoss", boundary)
                .with("stream.affinityWalk", false)
                .with("trainer.evalImages", options.evalImages())
                .with("trainer.publishEverySteps", options.evalEvery())
                .with("trainer.gate", false); // scores what training does to the models, refused versions included
        Data data = data(settings);
        ClassList classes = data.classes();
        List<Point> curve = new ArrayList<>();
        long started = System.nanoTime();
        try (NDManager manager = NDManager.newBaseManager(Devices.of(settings.device()));
                StreamingTrainer trainer = new StreamingTrainer(settings, classes, manager)) {
            manager.getEngine().setRandomSeed((int) settings.classifier().seed());
            List<LabeledImage> heldOut = data.heldOut();
            heldOut.forEach(trainer::holdOut);
            Map<String, Double> latest = new LinkedHashMap<>();
            double backgroundOnly = backgroundOnlyMiou(heldOut, classes);
            long next = 0;
            Run lastScored = null;
            progress.start("trainer run " + name, options.steps());
            for (int step = 1; step <= options.steps(); step++) {
                for (int i = 0; i < options.imagesPerStep(); i++) {
                    LabeledImage image = data.streamed().apply((int) next);
                    boolean masked =
                            Math.floor((next + 1) * options.maskFraction()) > Math.floor(next * options.maskFraction());
                    LabeledImage labeled = masked
                            ? image
                            : new LabeledImage(
                                    image.id(), image.width(), image.height(), image.rgb(), null, image.labels());
                    trainer.add(new StreamingTrainer.Sample(labeled, null, next));
                    trainer.add(new StreamingTrainer.Sample(labeled, seeds(image), next));
                    next++;
                }
                trainer.step();
                for (StreamingTrainer.Publication publication : trainer.publishDue(0, 0)) {
                    latest.put(publication.snapshot().name(), publication.evalMiou());
                }
                if (step % options.evalEvery() == 0 || step == options.steps()) {
                    if (step == options.steps()) { // the last point scores the final weights, whatever the publishing
                        // cadence
                        trainer.publishDue(Long.MAX_VALUE, 0)
                                .forEach(p -> latest.put(p.snapshot().name(), p.evalMiou()));
                    }
                    curve.add(new Point(
                            step,
                            latest.getOrDefault(ModelName.SEGMENTER.id(), Double.NaN),
                            latest.getOrDefault(ModelName.CLASSIFIER.id(), Double.NaN),
                            trainer.lastClassifierTerms(),
                            trainer.lastSegmenterTerms()));
                    lastScored = new Run(
                            name,
                            gain,
                            boundary,
                            List.copyOf(curve),
                            trainer.divergedSteps(),
                            collapsed(curve, backgroundOnly),
                            (System.nanoTime() - started) / 1e9,
                            step);
                    if (step < options.steps()) {
                        afterEachScore.accept(lastScored);
                    }
                }
                progress.update(
                        step,
                        String.format(
                                "segmenter %.3f  classifier %.3f  skipped %d",
                                latest.getOrDefault(ModelName.SEGMENTER.id(), Double.NaN),
                                latest.getOrDefault(ModelName.CLASSIFIER.id(), Double.NaN),
                                trainer.divergedSteps()));
            }
            return lastScored; // scored at the last step
        }
    }

    /** Synthetic images, or CamVid's train split streamed in a loop and its val split held out, at the trainer's working size. */
    private Data data(SeedStreamConfig settings) {
        if (options.camVid() == null) {
            SyntheticDataset synthetic = new SyntheticDataset(settings.synthetic());
            return new Data(
                    synthetic.classes(),
                    synthetic::image,
                    synthetic.images(SyntheticDataset.HELD_OUT_START, options.evalImages()));
        }
        try {
            DatasetLoad train = MaskedDatasetReader.camVid(Path.of(options.camVid()), "train");
            DatasetLoad val = MaskedDatasetReader.camVid(Path.of(options.camVid()), "val");
            int shortSide = settings.trainer().shortSide();
            List<LabeledImage> images = train.images().stream()
                    .map(image -> WorkingSize.scale(image, shortSide))
                    .toList();
            if (images.isEmpty()) {
                throw new IllegalArgumentException(
                        "no CamVid train images under " + options.camVid() + ": " + train.problems());
            }
            return new Data(
                    train.classes(),
                    i -> images.get(i % images.size()),
                    val.images().stream()
                            .limit(options.evalImages())
                            .map(image -> WorkingSize.scale(image, shortSide))
                            .toList());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read CamVid at " + options.camVid() + ": " + e.getMessage(), e);
        }
    }

    /**
     * A model collapsed when it ends below half of its best held-out mIoU along the run, or, for the
     * segmenter, at or below what calling every pixel background scores (a collapse that happens
     * before the first score has no earlier best to fall from).
     */
    static boolean collapsed(List<Point> curve, double backgroundOnlyMiou) {
        double bestSegmenter = curve.stream()
                .mapToDouble(Point::segmenterMiou)
                .filter(Double::isFinite)
                .max()
                .orElse(0);
        double bestClassifier = curve.stream()
                .mapToDouble(Point::classifierMiou)
                .filter(Double::isFinite)
                .max()
                .orElse(0);
        Point last = curve.get(curve.size() - 1);
        return !(last.segmenterMiou() >= bestSegmenter / 2)
                || !(last.segmenterMiou() > backgroundOnlyMiou + 0.01)
                || !(last.classifierMiou() >= bestClassifier / 2);
    }

    /** The held-out mIoU of a segmenter that calls every pixel background. */
    static double backgroundOnlyMiou(List<LabeledImage> heldOut, ClassList classes) {
        SegmentationMetrics metrics = new SegmentationMetrics(classes.size(), classes.background());
        heldOut.forEach(image -> {
            int[] background = new int[image.width() * image.height()];
            Arrays.fill(background, classes.background());
            metrics.add(background, image.mask());
        });
        return metrics.meanIou();
    }

    /** The idealised seeds: the true mask, with pixels within {@link #SEED_BAND} of another class unlabeled. */
    static byte[] seeds(LabeledImage image) {
        int width = image.width();
        int height = image.height();
        byte[] mask = image.mask();
        byte[] seeds = mask.clone();
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                int u = y * width + x;
                for (int dy = -SEED_BAND; dy <= SEED_BAND && seeds[u] != (byte) ClassList.IGNORE; dy++) {
                    for (int dx = -SEED_BAND; dx <= SEED_BAND; dx++) {
                        int ny = y + dy;
                        int nx = x + dx;
                        if (ny >= 0 && nx >= 0 && ny < height && nx < width && mask[ny * width + nx] != mask[u]) {
                            seeds[u] = (byte) ClassList.IGNORE;
                            break;
                        }
                    }
                }
            }
        }
        return seeds;
    }
}
