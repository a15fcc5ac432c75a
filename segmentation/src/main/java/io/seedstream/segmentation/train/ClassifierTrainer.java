package io.seedstream.segmentation.train;

import ai.djl.TrainingDivergedException;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.seedstream.segmentation.config.SeedStreamConfig;
import io.seedstream.segmentation.data.ClassList;
import io.seedstream.segmentation.data.LabeledImage;
import io.seedstream.segmentation.localization.CenterPreservingDropout;
import io.seedstream.segmentation.loss.AttentionMiningLoss;
import io.seedstream.segmentation.loss.MultiLabelLoss;
import io.seedstream.segmentation.loss.ReCamLoss;
import io.seedstream.segmentation.nn.Autograd;
import io.seedstream.segmentation.nn.Classifier;
import io.seedstream.segmentation.nn.ClassifierArchitecture;
import io.seedstream.segmentation.nn.Ops;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.ToDoubleFunction;
import java.util.stream.IntStream;

/**
 * One optimisation step at a time for a classifier on image-level labels. The objective is BCE,
 * optionally plus ReCAM's lambda * SCE and GAIN's alpha * attention mining (and GAINext's loss for
 * images that carry a pixel mask). A FickleNet head trains with its center-preserving dropout on.
 * Each step runs in its own scope; nothing but the parameters and the optimizer state outlives it.
 */
public final class ClassifierTrainer {

    /** What the classifier is trained with, on top of BCE. */
    public record Objective(boolean reCam, boolean gain) {
        public static final Objective BCE = new Objective(false, false);
        public static final Objective RECAM = new Objective(true, false);
        public static final Objective GAIN = new Objective(false, true);
    }

    /** The loss terms of one step (0 for terms that are off). */
    public record StepLosses(double total, double bce, double reCam, double attentionMining, double gainExtension) {}

    private final Classifier model;
    private final SeedStreamConfig config;
    private final ClassList classes;
    private final Objective objective;
    private final AdamUpdates updates;
    private final double learningRate;
    private final Random rescaling;
    /** Its own stream, so that drawing mining pairs leaves the rescaling factors as they were. */
    private final Random pairDraws;

    public ClassifierTrainer(Classifier model, SeedStreamConfig config, ClassList classes, Objective objective) {
        this(model, config, classes, objective, name -> 1.0);
    }

    /**
     * ReCAM's fine-tuning stage ({@code step/train_recam.py}): everything but ReCAM's head learns at
     * {@code recam.fineTuneScale} of the rate, the head at the full rate.
     */
    public static ClassifierTrainer reCamFineTuning(Classifier model, SeedStreamConfig config, ClassList classes) {
        double scale = config.recam().fineTuneScale();
        return new ClassifierTrainer(
                model, config, classes, Objective.RECAM, name -> name.startsWith("recam.") ? 1.0 : scale);
    }

    private ClassifierTrainer(
            Classifier model,
            SeedStreamConfig config,
            ClassList classes,
            Objective objective,
            ToDoubleFunction<String> learningRateScale) {
        this.model = model;
        this.config = config;
        this.classes = classes;
        this.objective = objective;
        this.learningRate = config.classifier().learningRate();
        this.updates = new AdamUpdates(
                model.parameters(), learningRate, config.classifier().weightDecay(), learningRateScale);
        this.rescaling = new Random(config.classifier().seed());
        this.pairDraws = new Random(config.classifier().seed() + 1);
    }

    /** The optimizer's memory, to save with the weights (see {@link TrainingCheckpoint}). */
    public AdamUpdates.State optimizerState() {
        return updates.state();
    }

    /** Continues the optimizer of a saved run; the model's weights must be that run's. */
    public void restoreOptimizer(AdamUpdates.State state) {
        updates.restore(state);
    }

    public StepLosses step(List<LabeledImage> batch) {
        NDManager modelManager = model.parameters().manager();
        try (NDManager scope = modelManager.newSubManager()) {
            updates.clearGradients(scope); // other backward passes (Grad-CAM) may have left gradients behind
            boolean mining = isMining();
            updates.setLearningRate(
                    mining ? Math.min(learningRate, config.gain().learningRate()) : learningRate);
            NDArray images = rescaled(Batches.images(scope, batch));
            NDArray targets = Batches.targets(scope, batch, classes);
            StepLosses losses;
            try (Autograd.Recording recording = Autograd.record()) {
                Terms terms = losses(scope, batch, images, targets, mining);
                losses = terms.values();
                if (!Double.isFinite(losses.total())) {
                    throw new TrainingDivergedException(
                            "training diverged (loss " + losses + "); lower classifier.learningRate");
                }
                recording.backward(terms.total);
            }
            updates.apply(scope);
            return losses;
        }
    }

    private record Terms(NDArray total, NDArray bce, NDArray reCam, NDArray mining, NDArray extension) {
        StepLosses values() {
            return new StepLosses(value(total), value(bce), value(reCam), value(mining), value(extension));
        }

        private static double value(NDArray term) {
            return term == null ? 0 : term.getFloat();
        }
    }

    /**
     * Whether this step mines attention: GAIN's objective, once the classifier has taken
     * {@code gain.startStep} steps on BCE alone (the references pretrain before mining: the
     * attention of an untrained classifier is noise, and erasing it teaches nothing).
     */
    public boolean isMining() {
        return objective.gain() && updates.steps() >= config.gain().startStep();
    }

    private Terms losses(NDManager scope, List<LabeledImage> batch, NDArray images, NDArray targets, boolean mining) {
        NDArray features = model.features(images, true);
        NDArray logits = logits(scope, features);
        NDArray bce = MultiLabelLoss.bce(logits, targets);
        NDArray total = bce;
        NDArray reCam = null;
        NDArray miningLoss = null;
        NDArray extension = null;
        if (objective.reCam()) {
            reCam = ReCamLoss.softmaxCrossEntropy(model.reCamLogits(features), targets);
            total = total.add(Ops.mul(reCam, config.recam().lambda()));
        }
        long[] pairs = mining
                ? drawn(
                        presentPairs(batch, (int) targets.getShape().get(1)),
                        config.gain().maxErasedImages(),
                        pairDraws)
                : new long[0];
        if (pairs.length > 0) { // GAIN, for the classes present (a batch without labels has nothing to erase)
            SeedStreamConfig.Gain gain = config.gain();
            long b = images.getShape().get(0);
            long c = targets.getShape().get(1);
            long height = images.getShape().get(2);
            long width = images.getShape().get(3);
            // One erased image per present (image, class) pair, rows b * C + k of the flattened batch.
            NDArray rows = scope.create(pairs);
            NDArray attention = Ops.resize(
                            minMaxNormalized(Ops.relu(model.classMaps(features))), (int) height, (int) width)
                    .reshape(b * c, 1, height, width)
                    .get(rows);
            NDArray pairImages = images.expandDims(1)
                    .repeat(1, c)
                    .reshape(b * c, 3, height, width)
                    .get(rows);
            NDArray pairClasses = scope.eye((int) c)
                    .expandDims(0)
                    .repeat(0, b)
                    .reshape(b * c, c)
                    .get(rows);
            NDArray erased = AttentionMiningLoss.erase(
                    pairImages, AttentionMiningLoss.softMask(attention, gain.sigma(), gain.omega()));
            miningLoss = AttentionMiningLoss.loss(model.frozenLogits(erased), pairClasses);
            total = total.add(Ops.mul(miningLoss, gain.alpha()));
            long[] masked = IntStream.range(0, pairs.length)
                    .filter(i -> batch.get((int) (pairs[i] / c)).hasMask())
                    .asLongStream()
                    .toArray();
            if (masked.length > 0) { // GAINext, over the pairs whose image has a pixel mask
                NDArray pixelMasks = Ops.resize(Batches.classMasks(scope, batch, classes), (int) height, (int) width)
                        .reshape(b * c, 1, height, width)
                        .get(rows);
                NDArray maskedRows = scope.create(masked);
                extension = AttentionMiningLoss.extensionLoss(attention.get(maskedRows), pixelMasks.get(maskedRows));
                total = total.add(Ops.mul(extension, gain.extensionWeight()));
            }
        }
        return new Terms(total, bce, reCam, miningLoss, extension);
    }

    /** Each map (B, C, h, w) scaled to [0, 1] by its minimum and maximum, which are detached (GAIN-pytorch's Ac_min, Ac_max). */
    static NDArray minMaxNormalized(NDArray maps) {
        NDArray detached = maps.stopGradient();
        NDArray min = detached.min(new int[] {3}, true)
                .min(new int[] {2}, true); // PyTorch's engine reduces one axis at a time
        NDArray range = detached.max(new int[] {3}, true)
                .max(new int[] {2}, true)
                .sub(min)
                .add(1e-5f);
        return maps.sub(min).div(range);
    }

    /** The batch resized by one factor drawn from {@code classifier.rescaleRange} (aspect ratio kept). */
    private NDArray rescaled(NDArray images) {
        List<Double> range = config.classifier().rescaleRange();
        double factor = range.get(0) + rescaling.nextDouble() * (range.get(1) - range.get(0));
        long[] shape = images.getShape().getShape();
        int height = (int) Math.max(8, Math.round(shape[2] * factor));
        int width = (int) Math.max(8, Math.round(shape[3] * factor));
        return height == shape[2] && width == shape[3] ? images : Ops.resize(images, height, width);
    }

    /**
     * At most {@code max} of the pairs, drawn uniformly without replacement (a partial Fisher-Yates
     * shuffle) and kept in their order; all of them when there are no more than that.
     */
    static long[] drawn(long[] pairs, int max, Random random) {
        if (pairs.length <= max) {
            return pairs;
        }
        long[] shuffled = pairs.clone();
        for (int i = 0; i < max; i++) {
            int j = i + random.nextInt(shuffled.length - i);
            long swap = shuffled[i];
            shuffled[i] = shuffled[j];
            shuffled[j] = swap;
        }
        long[] chosen = Arrays.copyOf(shuffled, max);
        Arrays.sort(chosen);
        return chosen;
    }

    /** Flattened indices b * C + k of the classes present in each image. */
    private long[] presentPairs(List<LabeledImage> batch, int c) {
        return IntStream.range(0, batch.size())
                .flatMap(b -> Arrays.stream(batch.get(b).labels()).map(id -> b * c + classes.classifierIndex(id)))
                .asLongStream()
                .toArray();
    }

    private NDArray logits(NDManager scope, NDArray features) {
        if (model.architecture().head() != ClassifierArchitecture.Head.FICKLENET) {
            return model.logits(features);
        }
        long[] shape = features.getShape().getShape();
        NDArray masks = CenterPreservingDropout.sample(
                scope,
                (int) shape[0],
                (int) shape[2],
                (int) shape[3],
                model.architecture().windowSize(),
                config.ficklenet().dropRate());
        return model.stochasticLogits(features, masks);
    }
}
