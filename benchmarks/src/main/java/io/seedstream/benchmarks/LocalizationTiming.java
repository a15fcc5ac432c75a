package io.seedstream.benchmarks;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.seedstream.segmentation.config.SeedStreamConfig;
import io.seedstream.segmentation.data.ClassList;
import io.seedstream.segmentation.data.LabeledImage;
import io.seedstream.segmentation.localization.GradCam;
import io.seedstream.segmentation.localization.StochasticLocalizer;
import io.seedstream.segmentation.nn.Classifier;
import io.seedstream.segmentation.nn.ClassifierArchitecture;
import io.seedstream.segmentation.nn.Ops;
import io.seedstream.segmentation.train.Batches;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * How long N stochastic localization maps (Grad-CAM included) take per image in each form of
 * {@link StochasticLocalizer}: on the project's model at the paper's s = 9 and at the configured s
 * (all three forms, the same images), and at the paper's size (the expanded and the factorized form).
 * The first image of each form warms up and is not timed.
 */
final class LocalizationTiming {

    /** FickleNet's setting for PASCAL VOC: 512 channels of 41 x 41 from 321 x 321 crops, s = 9, N = 200, 20 classes. */
    private static final int PAPER_CHANNELS = 512;

    private static final int PAPER_FEATURE_SIZE = 41;
    private static final int PAPER_IMAGE_SIZE = 321;
    private static final int PAPER_WINDOW = 9;
    private static final int PAPER_PASSES = 200;
    private static final int PAPER_CLASSES = 20;
    private static final int[] PAPER_PRESENT = {6, 14}; // two classes, as in a typical VOC image
    /** The expansion of one paper-size image is 280 MB; its passes run two at a time to stay within memory. */
    private static final int PAPER_EXPANDED_PASSES_PER_BATCH = 2;

    private final SeedStreamConfig config;
    private final ClassList classes;
    private final int timedImages;
    private final Progress progress;

    LocalizationTiming(SeedStreamConfig config, ClassList classes, int timedImages, Progress progress) {
        this.config = config;
        this.classes = classes;
        this.timedImages = timedImages;
        this.progress = progress;
    }

    List<LocalizationBenchmark.Timing> forms(NDManager manager, List<LabeledImage> heldOut) {
        return IntStream.of(9, config.ficklenet().windowSize())
                .distinct()
                .mapToObj(s -> forms(manager, heldOut, s))
                .toList();
    }

    private LocalizationBenchmark.Timing forms(NDManager manager, List<LabeledImage> heldOut, int s) {
        ClassifierArchitecture architecture = ClassifierArchitecture.of(
                config.with("ficklenet.windowSize", s), ClassifierArchitecture.Head.FICKLENET, classes.numForeground());
        StochasticLocalizer.Form[] forms = StochasticLocalizer.Form.values();
        double[] millis = new double[forms.length];
        long[] featureShape = null;
        try (Classifier model =
                new Classifier(architecture, manager, config.classifier().seed())) {
            progress.start("timing N maps (s=" + s + ")", (long) forms.length * (timedImages + 1));
            int done = 0;
            for (int f = 0; f < forms.length; f++) {
                StochasticLocalizer localizer =
                        new StochasticLocalizer(config.ficklenet(), forms[f], GradCam.Weights.CHANNEL);
                for (int i = 0; i <= timedImages; i++) {
                    LabeledImage image = LocalizationBenchmark.withLabels(heldOut, i);
                    int[] ids = image.labels();
                    int[] idx = Arrays.stream(ids).map(classes::classifierIndex).toArray();
                    try (NDManager scope = manager.newSubManager()) {
                        NDArray features = model.features(Batches.images(scope, List.of(image)), false);
                        featureShape = features.getShape().getShape();
                        long started = System.nanoTime();
                        localizer.localize(model, features, idx, ids, image.height(), image.width());
                        if (i > 0) {
                            millis[f] += (System.nanoTime() - started) / 1e6 / timedImages;
                        }
                    }
                    progress.update(++done, "");
                }
            }
        }
        return new LocalizationBenchmark.Timing(
                config.ficklenet().passes(),
                s,
                (int) featureShape[2],
                (int) featureShape[1],
                millis[StochasticLocalizer.Form.FACTORIZED.ordinal()],
                millis[StochasticLocalizer.Form.EXPANDED.ordinal()],
                millis[StochasticLocalizer.Form.PER_WINDOW.ordinal()]);
    }

    /**
     * Both forms at the paper's size on random non-negative features (the timing does not depend on
     * the values): the factorized form on {@code timedImages} images, the expanded form on one, the
     * slowest part of the benchmark.
     */
    LocalizationBenchmark.PaperSize paperSize(NDManager manager) {
        SeedStreamConfig paper = config.with(Map.of(
                "ficklenet.windowSize",
                String.valueOf(PAPER_WINDOW),
                "ficklenet.passes",
                String.valueOf(PAPER_PASSES),
                "ficklenet.dropRate",
                "0.9"));
        ClassifierArchitecture architecture = new ClassifierArchitecture(
                ClassifierArchitecture.Head.FICKLENET,
                PAPER_CLASSES,
                List.of(PAPER_CHANNELS),
                List.of(1),
                List.of(1),
                PAPER_WINDOW);
        try (Classifier model =
                new Classifier(architecture, manager, config.classifier().seed())) {
            StochasticLocalizer factorized = new StochasticLocalizer(
                    paper.ficklenet(), StochasticLocalizer.Form.FACTORIZED, GradCam.Weights.CHANNEL);
            double factorizedMs =
                    millisPerImage(manager, model, factorized, factorized, timedImages, "paper size, factorized form");
            SeedStreamConfig expandedSetting = paper.with("ficklenet.passesPerBatch", PAPER_EXPANDED_PASSES_PER_BATCH);
            StochasticLocalizer factorizedSameBatching = new StochasticLocalizer(
                    expandedSetting.ficklenet(), StochasticLocalizer.Form.FACTORIZED, GradCam.Weights.CHANNEL);
            double sameBatchingMs = millisPerImage(
                    manager,
                    model,
                    factorizedSameBatching,
                    factorizedSameBatching,
                    timedImages,
                    "paper size, factorized form, " + PAPER_EXPANDED_PASSES_PER_BATCH + " passes at a time");
            StochasticLocalizer expanded = new StochasticLocalizer(
                    expandedSetting.ficklenet(), StochasticLocalizer.Form.EXPANDED, GradCam.Weights.CHANNEL);
            StochasticLocalizer expandedWarmUp =
                    new StochasticLocalizer( // one batch of passes warms it up as well as 200
                            expandedSetting
                                    .with("ficklenet.passes", PAPER_EXPANDED_PASSES_PER_BATCH)
                                    .ficklenet(),
                            StochasticLocalizer.Form.EXPANDED,
                            GradCam.Weights.CHANNEL);
            double expandedMs =
                    millisPerImage(manager, model, expandedWarmUp, expanded, 1, "paper size, expanded form (minutes)");
            return new LocalizationBenchmark.PaperSize(
                    PAPER_CHANNELS,
                    PAPER_FEATURE_SIZE,
                    PAPER_WINDOW,
                    PAPER_PASSES,
                    PAPER_CLASSES,
                    PAPER_PRESENT.length,
                    PAPER_IMAGE_SIZE,
                    PAPER_EXPANDED_PASSES_PER_BATCH,
                    expandedMs,
                    factorizedMs,
                    sameBatchingMs,
                    expandedMs / factorizedMs,
                    expandedMs / sameBatchingMs);
        }
    }

    /** Mean over {@code images} timed images, after one untimed image with {@code warmUp}. */
    private double millisPerImage(
            NDManager manager,
            Classifier model,
            StochasticLocalizer warmUp,
            StochasticLocalizer timed,
            int images,
            String phase) {
        progress.start(phase, images + 1L);
        double millis = 0;
        for (int i = 0; i <= images; i++) {
            try (NDManager scope = manager.newSubManager()) {
                NDArray features = Ops.relu(
                        scope.randomNormal(new Shape(1, PAPER_CHANNELS, PAPER_FEATURE_SIZE, PAPER_FEATURE_SIZE)));
                long started = System.nanoTime();
                (i == 0 ? warmUp : timed)
                        .localize(model, features, PAPER_PRESENT, PAPER_PRESENT, PAPER_IMAGE_SIZE, PAPER_IMAGE_SIZE);
                if (i > 0) {
                    millis += (System.nanoTime() - started) / 1e6 / images;
                }
            }
            progress.update(i + 1, "");
        }
        return millis;
    }
}
