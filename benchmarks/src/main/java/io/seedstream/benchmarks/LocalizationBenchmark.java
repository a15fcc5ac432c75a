package io.seedstream.benchmarks;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.seedstream.segmentation.config.SeedStreamConfig;
import io.seedstream.segmentation.data.ClassList;
import io.seedstream.segmentation.data.LabeledImage;
import io.seedstream.segmentation.data.SyntheticDataset;
import io.seedstream.segmentation.localization.GradCam;
import io.seedstream.segmentation.localization.LocalizationMaps;
import io.seedstream.segmentation.localization.MapAggregation;
import io.seedstream.segmentation.localization.StochasticLocalizer;
import io.seedstream.segmentation.metrics.SegmentationMetrics;
import io.seedstream.segmentation.nn.Autograd;
import io.seedstream.segmentation.nn.Classifier;
import io.seedstream.segmentation.nn.ClassifierArchitecture;
import io.seedstream.segmentation.nn.Devices;
import io.seedstream.segmentation.nn.Ops;
import io.seedstream.segmentation.snapshot.ModelSnapshot;
import io.seedstream.segmentation.train.Batches;
import io.seedstream.segmentation.train.ClassifierTrainer;
import io.seedstream.segmentation.train.ClassifierTrainer.Objective;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;
import java.util.stream.IntStream;

/**
 * The localization benchmark: trains classifiers on synthetic part/body images on the CPU, then
 * scores the thresholded localization maps of held-out images against the true masks (mIoU,
 * precision, recall) for plain CAM, Grad-CAM, FickleNet (one pass and N aggregated), ReCAM, GAIN and
 * FickleNet + ReCAM; and times N stochastic maps per image in the expanded and the per-window form.
 *
 * <p>Training: a GAP classifier and a FickleNet classifier are trained for {@code trainSteps} with
 * BCE; each is then trained {@code fineTuneSteps} more with BCE alone (the CAM and FickleNet rows)
 * and, from the same starting point, with ReCAM's or GAIN's loss, as those papers fine-tune a
 * trained classifier. Every row has seen the same number of steps.
 */
public final class LocalizationBenchmark {

    /**
     * How much work the benchmark does; the rest comes from {@link SeedStreamConfig}. With {@code
     * timingOnly} nothing is trained or scored: only the timings run.
     */
    public record Options(
            int trainSteps, int fineTuneSteps, int trainImages, int evalImages, int timingImages, boolean timingOnly) {
        public static Options defaults() {
            return new Options(700, 250, 4000, 50, 1, false);
        }
    }

    /**
     * Localization quality of one method: at the configured theta (with the share of object heads
     * and of object bodies claimed by the right class), and at its best theta.
     */
    public record MethodResult(
            double miou,
            double precision,
            double recall,
            double headRecall,
            double bodyRecall,
            double bestTheta,
            double bestMiou,
            double bestPrecision,
            double bestRecall) {}

    /** Milliseconds per image for N stochastic maps (Grad-CAM included) in each form, on one model and the same images. */
    public record Timing(
            int passes,
            int windowSize,
            int featureSize,
            int featureChannels,
            double factorizedMsPerImage,
            double expandedMsPerImage,
            double perWindowMsPerImage) {

        /** How many times faster the factorized form is than the expanded one. */
        public double factorizedSpeedup() {
            return expandedMsPerImage / factorizedMsPerImage;
        }

        /** How many times faster the expansion is than the per-window loop. */
        public double expansionSpeedup() {
            return perWindowMsPerImage / expandedMsPerImage;
        }
    }

    /**
     * FickleNet at the paper's size (k feature channels, a size x size feature map, window s, N
     * passes, c classes of which {@code present} are localized), per image: the expanded and the
     * factorized form in one run, and their ratio. The expanded form runs {@code expandedPassesPerBatch}
     * passes at a time (its memory); the factorized form is also timed so, to show what the batching
     * alone is worth.
     */
    public record PaperSize(
            int featureChannels,
            int featureSize,
            int windowSize,
            int passes,
            int classes,
            int present,
            int imageSize,
            int expandedPassesPerBatch,
            double expandedMsPerImage,
            double factorizedMsPerImage,
            double factorizedSameBatchingMsPerImage,
            double speedup,
            double sameBatchingSpeedup) {}

    /** One trained model: steps, final loss (mean of the last 50 steps) and held-out accuracy. */
    public record Training(int steps, double finalLoss, double seconds, double heldOutAccuracy) {}

    /** {@code paperSize} is null when timing is skipped. */
    public record Result(
            Map<String, MethodResult> methods,
            List<Timing> timing,
            PaperSize paperSize,
            Map<String, Training> training,
            double theta,
            int evalImages) {}

    private static final double[] SWEEP =
            IntStream.rangeClosed(1, 19).mapToDouble(i -> i * 0.05).toArray();
    private static final int LOSS_WINDOW = 50;

    private final SeedStreamConfig config;
    private final Options options;
    private final Progress progress;
    private final SyntheticDataset data;
    private final ClassList classes;

    public LocalizationBenchmark(SeedStreamConfig config, Options options, Progress progress) {
        this.config = config;
        this.options = options;
        this.progress = progress;
        this.data = new SyntheticDataset(config.synthetic());
        this.classes = data.classes();
    }

    public Result run() {
        Autograd.disableOnThisThread(); // inference unless a trainer or Grad-CAM turns it on
        try (NDManager manager = NDManager.newBaseManager(Devices.of(config.device()))) {
            manager.getEngine().setRandomSeed((int) config.classifier().seed());
            List<SyntheticDataset.Scene> heldOutScenes =
                    scenes("generating held-out set", SyntheticDataset.HELD_OUT_START, options.evalImages());
            List<LabeledImage> heldOut =
                    heldOutScenes.stream().map(SyntheticDataset.Scene::image).toList();
            Map<String, Training> training = new LinkedHashMap<>();
            Map<String, MethodResult> methods =
                    options.timingOnly() ? Map.of() : quality(manager, heldOutScenes, training);
            LocalizationTiming timing = new LocalizationTiming(config, classes, options.timingImages(), progress);
            boolean timed = options.timingImages() > 0; // 0: skip timing
            return new Result(
                    methods,
                    timed ? timing.forms(manager, heldOut) : List.of(),
                    timed ? timing.paperSize(manager) : null,
                    training,
                    config.ficklenet().threshold(),
                    heldOut.size());
        }
    }

    /** Trains the classifiers and scores each method's maps. */
    private Map<String, MethodResult> quality(
            NDManager manager, List<SyntheticDataset.Scene> heldOutScenes, Map<String, Training> training) {
        List<LabeledImage> pool = scenes("generating train set", 0, options.trainImages()).stream()
                .map(SyntheticDataset.Scene::image)
                .toList();
        List<LabeledImage> heldOut =
                heldOutScenes.stream().map(SyntheticDataset.Scene::image).toList();
        Map<String, Classifier> models = new LinkedHashMap<>();
        Classifier gapBase = train(
                manager,
                pool,
                "base-gap",
                newModel(manager, ClassifierArchitecture.Head.GAP),
                Objective.BCE,
                options.trainSteps(),
                heldOut,
                training);
        Classifier fickleBase = train(
                manager,
                pool,
                "base-ficklenet",
                newModel(manager, ClassifierArchitecture.Head.FICKLENET),
                Objective.BCE,
                options.trainSteps(),
                heldOut,
                training);
        models.put("cam", fineTune(manager, pool, "cam", gapBase, Objective.BCE, heldOut, training));
        models.put("recam", fineTune(manager, pool, "recam", gapBase, Objective.RECAM, heldOut, training));
        models.put("gain", fineTune(manager, pool, "gain", gapBase, Objective.GAIN, heldOut, training));
        models.put("ficklenet", fineTune(manager, pool, "ficklenet", fickleBase, Objective.BCE, heldOut, training));
        models.put(
                "ficklenet+recam",
                fineTune(manager, pool, "ficklenet+recam", fickleBase, Objective.RECAM, heldOut, training));
        gapBase.close();
        fickleBase.close();
        Map<String, MethodResult> methods = evaluate(manager, models, heldOutScenes);
        models.values().forEach(Classifier::close);
        return methods;
    }

    private List<SyntheticDataset.Scene> scenes(String phase, long from, int count) {
        progress.start(phase, count);
        List<SyntheticDataset.Scene> scenes = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            scenes.add(data.scene(from + i));
            progress.update(i + 1, "");
        }
        return scenes;
    }

    private Classifier newModel(NDManager manager, ClassifierArchitecture.Head head) {
        return new Classifier(
                ClassifierArchitecture.of(config, head, classes.numForeground()),
                manager,
                config.classifier().seed());
    }

    private Classifier fineTune(
            NDManager manager,
            List<LabeledImage> pool,
            String name,
            Classifier base,
            Objective objective,
            List<LabeledImage> heldOut,
            Map<String, Training> training) {
        Classifier copy =
                new Classifier(base.architecture(), manager, config.classifier().seed());
        ModelSnapshot.of(name, 0, base, classes.names()).loadInto(copy);
        return train(manager, pool, name, copy, objective, options.fineTuneSteps(), heldOut, training);
    }

    private Classifier train(
            NDManager manager,
            List<LabeledImage> pool,
            String name,
            Classifier model,
            Objective objective,
            int steps,
            List<LabeledImage> heldOut,
            Map<String, Training> training) {
        // GAIN only fine-tunes a copy already trained on BCE here: its attention mining starts at once.
        SeedStreamConfig settings = objective.gain() ? config.with("gain.startStep", 0) : config;
        ClassifierTrainer trainer = new ClassifierTrainer(model, settings, classes, objective);
        Random random = new Random(config.classifier().seed() + name.hashCode());
        double[] recent = new double[LOSS_WINDOW];
        long started = System.nanoTime();
        progress.start("training " + name, steps);
        for (int step = 1; step <= steps; step++) {
            List<LabeledImage> batch = new ArrayList<>();
            for (int b = 0; b < config.classifier().batchSize(); b++) {
                batch.add(pool.get(random.nextInt(pool.size())));
            }
            ClassifierTrainer.StepLosses losses = trainer.step(batch);
            recent[(step - 1) % LOSS_WINDOW] = losses.total();
            progress.update(step, String.format("loss %.4f", mean(recent, Math.min(step, LOSS_WINDOW))));
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        training.put(
                name,
                new Training(steps, mean(recent, Math.min(steps, LOSS_WINDOW)), seconds, accuracy(model, heldOut)));
        return model;
    }

    private static double mean(double[] values, int count) {
        double sum = 0;
        for (int i = 0; i < count; i++) {
            sum += values[i];
        }
        return count == 0 ? Double.NaN : sum / count;
    }

    /** Share of (image, class) decisions right at probability 0.5 on held-out images. */
    private double accuracy(Classifier model, List<LabeledImage> heldOut) {
        long right = 0;
        for (int from = 0; from < heldOut.size(); from += 32) {
            List<LabeledImage> batch = heldOut.subList(from, Math.min(heldOut.size(), from + 32));
            try (NDManager scope = model.parameters().manager().newSubManager()) {
                float[] logits = model.logits(model.features(Batches.images(scope, batch), false))
                        .toFloatArray();
                float[] targets = Batches.targets(scope, batch, classes).toFloatArray();
                for (int i = 0; i < logits.length; i++) {
                    right += (logits[i] > 0) == (targets[i] > 0.5f) ? 1 : 0;
                }
            }
        }
        return (double) right / (heldOut.size() * (long) classes.numForeground());
    }

    /** A way to get localization maps from a model's features: one result per row it fills. */
    private interface Localizer {
        List<LocalizationMaps> maps(
                Classifier model, NDArray features, int[] classIndex, int[] classIds, int height, int width);
    }

    /** Rows filled by one localizer on one model; stochastic ones also get a single-pass row. */
    private record Method(List<String> rows, String model, Localizer localizer, boolean stochastic) {}

    private List<Method> methods() {
        // Channel (Grad-CAM) and pixel weights from the same stochastic passes.
        StochasticLocalizer stochastic = new StochasticLocalizer(
                config.ficklenet(),
                StochasticLocalizer.Form.configured(config.ficklenet()),
                GradCam.Weights.CHANNEL,
                GradCam.Weights.PIXEL);
        Localizer cam = (m, f, idx, ids, h, w) ->
                List.of(LocalizationMaps.of(Ops.channels(Ops.relu(m.classMaps(f)), idx), ids, h, w));
        Localizer gradCam = (m, f, idx, ids, h, w) -> List.of(LocalizationMaps.of(
                GradCam.maps(f.repeat(0, idx.length), m::logits, idx).expandDims(0), ids, h, w));
        Localizer reCam = (m, f, idx, ids, h, w) ->
                List.of(LocalizationMaps.of(Ops.channels(Ops.relu(m.reCamMaps(f)), idx), ids, h, w));
        Localizer fickle = stochastic::localizeAll;
        return List.of(
                new Method(List.of("cam"), "cam", cam, false),
                new Method(List.of("gradcam"), "cam", gradCam, false),
                new Method(List.of("ficklenet-deterministic"), "ficklenet", cam, false),
                new Method(List.of("ficklenet", "ficklenet-pixelgrad"), "ficklenet", fickle, true),
                new Method(List.of("recam"), "recam", reCam, false),
                new Method(List.of("gain"), "gain", cam, false),
                new Method(List.of("ficklenet+recam", "ficklenet+recam-pixelgrad"), "ficklenet+recam", fickle, true));
    }

    private Map<String, MethodResult> evaluate(
            NDManager manager, Map<String, Classifier> models, List<SyntheticDataset.Scene> scenes) {
        List<LabeledImage> heldOut =
                scenes.stream().map(SyntheticDataset.Scene::image).toList();
        List<Method> methods = methods();
        Map<String, List<LocalizationMaps>> maps = new LinkedHashMap<>();
        methods.forEach(m -> m.rows().forEach(row -> maps.put(row, new ArrayList<>())));
        progress.start("localizing held-out", heldOut.size());
        int done = 0;
        for (LabeledImage image : heldOut) {
            int[] classIds = image.labels();
            int[] classIndex =
                    Arrays.stream(classIds).map(classes::classifierIndex).toArray();
            try (NDManager scope = manager.newSubManager()) {
                NDArray pixels = Batches.images(scope, List.of(image));
                Map<String, NDArray> features = new LinkedHashMap<>(); // one backbone pass per model and image
                for (Method method : methods) {
                    if (classIds.length == 0) { // nothing to localize: every pixel is background
                        method.rows()
                                .forEach(
                                        row -> maps.get(row).add(LocalizationMaps.none(image.height(), image.width())));
                        continue;
                    }
                    Classifier model = models.get(method.model());
                    NDArray f = features.computeIfAbsent(method.model(), name -> model.features(pixels, false));
                    List<LocalizationMaps> results =
                            method.localizer().maps(model, f, classIndex, classIds, image.height(), image.width());
                    for (int r = 0; r < results.size(); r++) {
                        maps.get(method.rows().get(r)).add(results.get(r));
                    }
                }
            }
            progress.update(++done, "");
        }
        List<String> stochasticRows = methods.stream()
                .filter(Method::stochastic)
                .flatMap(m -> m.rows().stream())
                .toList();
        Map<String, MethodResult> results = new LinkedHashMap<>();
        maps.forEach((name, perImage) -> {
            if (stochasticRows.contains(name) && config.ficklenet().passes() > 1) { // the first of N maps is one pass
                results.put(
                        name + "-1pass",
                        score(perImage.stream().map(LocalizationMaps::firstOnly).toList(), scenes));
            }
            results.put(name, score(perImage, scenes));
        });
        return results;
    }

    private MethodResult score(List<LocalizationMaps> perImage, List<SyntheticDataset.Scene> scenes) {
        Function<Double, SegmentationMetrics> at = theta -> {
            SegmentationMetrics metrics = new SegmentationMetrics(classes.size(), classes.background());
            for (int i = 0; i < perImage.size(); i++) {
                metrics.add(
                        labels(perImage.get(i), theta), scenes.get(i).image().mask());
            }
            return metrics;
        };
        double theta = config.ficklenet().threshold();
        SegmentationMetrics configured = at.apply(theta);
        long[] head = new long[2]; // claimed by the right class, all
        long[] body = new long[2];
        for (int i = 0; i < perImage.size(); i++) {
            int[] labels = labels(perImage.get(i), theta);
            byte[] truth = scenes.get(i).image().mask();
            boolean[] heads = scenes.get(i).headPixels();
            for (int u = 0; u < labels.length; u++) {
                int t = truth[u] & 0xFF;
                if (t != classes.background()) {
                    long[] part = heads[u] ? head : body;
                    part[0] += labels[u] == t ? 1 : 0;
                    part[1]++;
                }
            }
        }
        double bestTheta = SWEEP[0];
        SegmentationMetrics best = null;
        for (double candidate : SWEEP) {
            SegmentationMetrics metrics = at.apply(candidate);
            if (best == null || metrics.meanIou() > best.meanIou()) {
                best = metrics;
                bestTheta = candidate;
            }
        }
        return new MethodResult(
                configured.meanIou(),
                configured.precision(),
                configured.recall(),
                (double) head[0] / head[1],
                (double) body[0] / body[1],
                bestTheta,
                best.meanIou(),
                best.precision(),
                best.recall());
    }

    /** Aggregated labels at theta, unclaimed pixels as background (how localization is scored). */
    private int[] labels(LocalizationMaps maps, double theta) {
        int[] labels = maps.labels(theta);
        int unclaimed = classes.hasBackground() ? classes.background() : SegmentationMetrics.NO_PREDICTION;
        for (int u = 0; u < labels.length; u++) {
            if (labels[u] == MapAggregation.UNCLAIMED) {
                labels[u] = unclaimed;
            }
        }
        return labels;
    }

    /** The i-th held-out image that is labeled with at least one class. */
    static LabeledImage withLabels(List<LabeledImage> heldOut, int i) {
        return heldOut.stream()
                .filter(image -> image.labels().length > 0)
                .skip(i)
                .findFirst()
                .orElseThrow();
    }
}
