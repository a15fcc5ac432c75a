package io.seedstream.segmentation.localization;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import io.seedstream.segmentation.config.SeedStreamConfig;
import io.seedstream.segmentation.nn.Autograd;
import io.seedstream.segmentation.nn.Classifier;
import io.seedstream.segmentation.nn.Ops;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.IntStream;

/**
 * FickleNet's stochastic inference: N forward passes, each with its own center-preserving dropout
 * mask (dropout stays on at inference), the Grad-CAM of each pass with respect to the unexpanded
 * feature map, and the N maps reduced to their maximum and mean for {@link MapAggregation}. Passes
 * run in batches of {@code passesPerBatch} on the model's device, each batch in its own scope.
 */
public final class StochasticLocalizer {

    /** How the stochastic forward is computed: both give the same function for the same masks. */
    public enum Form {
        /** The head's linearity: per-offset class scores once per image, each pass a masked sum ({@link FactorizedStochasticHead}). */
        FACTORIZED,
        /** Feature-map expansion and one strided convolution (FickleNet's implementation; the reference). */
        EXPANDED,
        /** The loop over sliding windows the expansion avoids; for tests and the speed benchmark. */
        PER_WINDOW;

        /** The form {@code ficklenet.form} names. */
        public static Form configured(SeedStreamConfig.FickleNet config) {
            return valueOf(config.form().toUpperCase(Locale.ROOT));
        }
    }

    private final SeedStreamConfig.FickleNet config;
    private final Form form;
    private final List<GradCam.Weights> weightings;

    /** Maps for each of {@code weightings}, all from the same stochastic passes. */
    public StochasticLocalizer(SeedStreamConfig.FickleNet config, Form form, GradCam.Weights... weightings) {
        this.config = config;
        this.form = form;
        this.weightings = List.of(weightings);
    }

    /** The configured form (factorized by default) and map weights (Grad-CAM by default). */
    public StochasticLocalizer(SeedStreamConfig.FickleNet config) {
        this(
                config,
                Form.configured(config),
                GradCam.Weights.valueOf(config.mapWeights().toUpperCase(Locale.ROOT)));
    }

    /**
     * Class logits (n, C) of one image's features (1, k, h, w) for each of the n masks: the
     * factorized head over all classes, or the expanded form.
     */
    public NDArray stochasticLogits(Classifier model, NDArray features, NDArray masks) {
        model.requireFickleNet();
        if (form != Form.FACTORIZED) {
            return model.stochasticLogits(features, masks); // the expansion broadcasts over the masks
        }
        int[] all = IntStream.range(0, model.architecture().numClasses()).toArray();
        return new FactorizedStochasticHead(features, model.headWeight(), all, false)
                .scores(masks)
                .add(model.headBias());
    }

    /** The maps of the first weighting; see {@link #localizeAll}. */
    public LocalizationMaps localize(
            Classifier model, NDArray features, int[] classIndex, int[] classIds, int height, int width) {
        return localizeAll(model, features, classIndex, classIds, height, width).get(0);
    }

    /**
     * @param features (1, k, h, w) of one image
     * @param classIndex classifier indices of the classes to localize (the image's labels)
     * @param classIds the ids reported for them in the result
     * @return one result per weighting
     */
    public List<LocalizationMaps> localizeAll(
            Classifier model, NDArray features, int[] classIndex, int[] classIds, int height, int width) {
        int h = (int) features.getShape().get(2);
        int w = (int) features.getShape().get(3);
        int s = model.architecture().windowSize();
        List<LocalizationMaps.Summary> summaries = new ArrayList<>();
        try (NDManager image = features.getManager().newSubManager()) {
            image.tempAttachAll(features); // what is computed once per image is freed with the image
            PerImage shared = perImage(model, features, classIndex);
            for (int done = 0; done < config.passes(); done += config.passesPerBatch()) {
                int n = Math.min(config.passesPerBatch(), config.passes() - done);
                try (NDManager scope = image.newSubManager()) {
                    // Whatever this chunk computes from the image's arrays is freed with the chunk.
                    scope.tempAttachAll(shared.arrays());
                    NDArray masks = CenterPreservingDropout.sample(scope, n, h, w, s, config.dropRate());
                    List<NDArray> maps = passMaps(model, shared, masks, classIndex);
                    for (int i = 0; i < maps.size(); i++) {
                        LocalizationMaps.Summary chunk = LocalizationMaps.summarize(maps.get(i), height, width);
                        if (summaries.size() <= i) {
                            summaries.add(chunk);
                        } else {
                            summaries.set(i, summaries.get(i).merge(chunk));
                        }
                    }
                }
            }
        }
        return summaries.stream()
                .map(summary -> summary.toMaps(classIds, height, width))
                .toList();
    }

    /** What every pass of one image shares: the features, and the expansion or the factorized head. */
    private record PerImage(NDArray features, NDArray expanded, FactorizedStochasticHead head) {
        NDArray[] arrays() {
            return expanded == null ? new NDArray[] {features} : new NDArray[] {features, expanded};
        }
    }

    private PerImage perImage(Classifier model, NDArray features, int[] classIndex) {
        return switch (form) {
            case FACTORIZED ->
                new PerImage(
                        features,
                        null,
                        new FactorizedStochasticHead(
                                features, model.headWeight(), classIndex, weightings.contains(GradCam.Weights.PIXEL)));
            case EXPANDED ->
                new PerImage(
                        features,
                        FeatureMapExpansion.expand(
                                features, model.architecture().windowSize()),
                        null);
            case PER_WINDOW -> new PerImage(features, null, null);
        };
    }

    /** Maps (n, m, h, w) of the n passes given by {@code masks}, for each class, one per weighting. */
    public List<NDArray> passMaps(Classifier model, NDArray features, NDArray masks, int[] classIndex) {
        return passMaps(model, perImage(model, features, classIndex), masks, classIndex);
    }

    private List<NDArray> passMaps(Classifier model, PerImage image, NDArray masks, int[] classIndex) {
        return switch (form) {
            case FACTORIZED ->
                weightings.stream()
                        .map(weights -> weights == GradCam.Weights.CHANNEL
                                ? image.head().channelMaps(masks)
                                : image.head().pixelMaps(masks))
                        .toList();
            case EXPANDED -> expandedPassMaps(model, image.features(), image.expanded(), masks, classIndex);
            case PER_WINDOW -> perWindowPassMaps(model, image.features(), masks, classIndex);
        };
    }

    /** Autograd from the logits back to each pass's copy of the features, through the window loop. */
    private List<NDArray> perWindowPassMaps(Classifier model, NDArray features, NDArray masks, int[] classIndex) {
        int n = (int) masks.getShape().get(0);
        NDArray batch = features.repeat(0, n);
        List<NDList> perWeighting = perWeighting();
        for (int c : classIndex) {
            int[] target = new int[n];
            Arrays.fill(target, c);
            NDArray gradient = GradCam.gradient(
                    batch,
                    x -> PerWindowReference.stochasticLogits(x, masks, model.headWeight(), model.headBias()),
                    target);
            for (int i = 0; i < weightings.size(); i++) {
                perWeighting.get(i).add(GradCam.fromGradient(gradient, batch, weightings.get(i)));
            }
        }
        return perWeighting.stream().map(maps -> NDArrays.stack(maps, 1)).toList();
    }

    /**
     * The expanded form: the image's expansion E is shared by all passes, each pass masks it
     * (P = E * D), and autograd runs from the logits back to P only. The chain rule through the
     * mask and the expansion is then a masked sum: the spatial sum of d logit / d x_k equals the
     * sum of d logit / d P_k * D over the expanded positions that copy x rather than padding; per
     * pixel it is the fold (adjoint of the expansion) of d logit / d P * D.
     */
    private List<NDArray> expandedPassMaps(
            Classifier model, NDArray features, NDArray expanded, NDArray masks, int[] classIndex) {
        long n = masks.getShape().get(0);
        long k = features.getShape().get(1);
        int h = (int) features.getShape().get(2);
        int w = (int) features.getShape().get(3);
        int s = model.architecture().windowSize();
        NDArray masked = expanded.mul(masks).stopGradient();
        NDArray keptInside = masks.mul(FeatureMapExpansion.interior(masks.getManager(), h, w, s))
                .reshape(n, -1, 1);
        NDArray perPassFeatures = features.repeat(0, n);
        List<NDList> perWeighting = perWeighting();
        for (int c : classIndex) {
            NDArray leaf = masked.stopGradient(); // a fresh leaf per class: gradients would accumulate
            leaf.setRequiresGradient(true);
            NDArray gradient;
            try (Autograd.Recording recording = Autograd.record()) {
                recording.backward(model.pooledWindowLogits(leaf).get(":, " + c).sum());
                gradient = leaf.getGradient().stopGradient();
            }
            for (int i = 0; i < weightings.size(); i++) {
                NDArray maps = weightings.get(i) == GradCam.Weights.CHANNEL
                        ? GradCam.weighted(
                                Ops.div(
                                        gradient.reshape(n, k, -1)
                                                .batchMatMul(keptInside)
                                                .reshape(n, k),
                                        (double) h * w),
                                perPassFeatures)
                        : GradCam.fromGradient(
                                FeatureMapExpansion.fold(gradient.mul(masks), s),
                                perPassFeatures,
                                GradCam.Weights.PIXEL);
                perWeighting.get(i).add(maps);
            }
        }
        return perWeighting.stream().map(maps -> NDArrays.stack(maps, 1)).toList();
    }

    private List<NDList> perWeighting() {
        return weightings.stream().map(w -> new NDList()).toList();
    }
}
