package io.seedstream.segmentation.localization;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import io.seedstream.segmentation.config.SeedStreamConfig;
import ai.djl.training.GradientCollector;
import io.seedstream.segmentation.nn.Classifier;
import java.util.Arrays;

/**
 * FickleNet's stochastic inference: N forward passes, each with its own center-preserving dropout
 * mask (dropout stays on at inference), the Grad-CAM of each pass with respect to the unexpanded
 * feature map, and the N maps reduced to their maximum and mean for {@link MapAggregation}. Passes
 * run in batches of {@code passesPerBatch} on the model's device, each batch in its own scope.
 */
public final class StochasticLocalizer {

    /** How the stochastic forward is computed: both give the same function for the same masks. */
    public enum Form {
        /** Feature-map expansion and one strided convolution (FickleNet's implementation). */
        EXPANDED,
        /** The loop over sliding windows the expansion avoids; for tests and the speed benchmark. */
        PER_WINDOW
    }

    private final SeedStreamConfig.FickleNet config;
    private final Form form;
    private final GradCam.Weights weights;

    public StochasticLocalizer(SeedStreamConfig.FickleNet config, Form form, GradCam.Weights weights) {
        this.config = config;
        this.form = form;
        this.weights = weights;
    }

    /** Standard Grad-CAM maps in the expanded form, as in the paper. */
    public StochasticLocalizer(SeedStreamConfig.FickleNet config) {
        this(config, Form.EXPANDED, GradCam.Weights.CHANNEL);
    }

    /**
     * @param features (1, k, h, w) of one image
     * @param classIndex classifier indices of the classes to localize (the image's labels)
     * @param classIds the ids reported for them in the result
     */
    public LocalizationMaps localize(Classifier model, NDArray features, int[] classIndex, int[] classIds,
            int height, int width) {
        int h = (int) features.getShape().get(2);
        int w = (int) features.getShape().get(3);
        int s = model.architecture().windowSize();
        NDArray expanded = form == Form.EXPANDED ? FeatureMapExpansion.expand(features, s) : null; // once per image
        LocalizationMaps.Summary summary = null;
        for (int done = 0; done < config.passes(); done += config.passesPerBatch()) {
            int n = Math.min(config.passesPerBatch(), config.passes() - done);
            try (NDManager scope = features.getManager().newSubManager()) {
                NDArray masks = CenterPreservingDropout.sample(scope, n, h, w, s, config.dropRate());
                NDArray maps = form == Form.EXPANDED
                        ? expandedPassMaps(model, features, expanded, masks, classIndex)
                        : passMaps(model, features, masks, classIndex);
                LocalizationMaps.Summary chunk = LocalizationMaps.summarize(maps, height, width);
                summary = summary == null ? chunk : summary.merge(chunk);
            }
        }
        return summary.toMaps(classIds, height, width);
    }

    /**
     * Grad-CAM maps (n, m, h, w) of the n passes given by {@code masks}, for each class, with
     * autograd from the logits back to the features of each pass.
     */
    public NDArray passMaps(Classifier model, NDArray features, NDArray masks, int[] classIndex) {
        if (form == Form.EXPANDED) {
            return expandedPassMaps(model, features, FeatureMapExpansion.expand(features, model.architecture().windowSize()),
                    masks, classIndex);
        }
        int n = (int) masks.getShape().get(0);
        NDArray batch = features.repeat(0, n);
        NDList perClass = new NDList();
        for (int c : classIndex) {
            int[] target = new int[n];
            Arrays.fill(target, c);
            perClass.add(GradCam.maps(batch, x -> PerWindowReference.stochasticLogits(x, masks, model.headWeight(),
                    model.headBias()), target, weights));
        }
        return NDArrays.stack(perClass, 1);
    }

    /**
     * The expanded form: the image's expansion E is shared by all passes, each pass masks it
     * (P = E * D), and autograd runs from the logits back to P only. The chain rule through the
     * mask and the expansion is then a masked sum: the spatial sum of d logit / d x_k equals the
     * sum of d logit / d P_k * D over the expanded positions that copy x rather than padding; per
     * pixel it is the fold (adjoint of the expansion) of d logit / d P * D.
     */
    private NDArray expandedPassMaps(Classifier model, NDArray features, NDArray expanded, NDArray masks, int[] classIndex) {
        long n = masks.getShape().get(0);
        long k = features.getShape().get(1);
        int h = (int) features.getShape().get(2);
        int w = (int) features.getShape().get(3);
        int s = model.architecture().windowSize();
        NDManager manager = masks.getManager();
        NDArray masked = expanded.mul(masks).stopGradient();
        NDArray keptInside = masks.mul(FeatureMapExpansion.interior(manager, h, w, s)).reshape(n, -1, 1);
        NDArray perPassFeatures = features.repeat(0, n);
        NDList perClass = new NDList();
        for (int c : classIndex) {
            NDArray leaf = masked.stopGradient(); // a fresh leaf per class: gradients would accumulate
            leaf.setRequiresGradient(true);
            NDArray gradient;
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                collector.backward(model.pooledWindowLogits(leaf).get(":, " + c).sum());
                gradient = leaf.getGradient().stopGradient();
            }
            if (weights == GradCam.Weights.CHANNEL) {
                NDArray channelWeights = gradient.reshape(n, k, -1).batchMatMul(keptInside).reshape(n, k).div((float) h * w);
                perClass.add(GradCam.weighted(channelWeights, perPassFeatures));
            } else {
                NDArray pixelGradient = FeatureMapExpansion.fold(gradient.mul(masks), s);
                perClass.add(GradCam.fromGradient(pixelGradient, perPassFeatures, weights));
            }
        }
        return NDArrays.stack(perClass, 1);
    }
}
