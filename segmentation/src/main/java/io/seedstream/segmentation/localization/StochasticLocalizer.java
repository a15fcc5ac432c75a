package io.seedstream.segmentation.localization;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import io.seedstream.segmentation.config.SeedStreamConfig;
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

    public StochasticLocalizer(SeedStreamConfig.FickleNet config, Form form) {
        this.config = config;
        this.form = form;
    }

    public StochasticLocalizer(SeedStreamConfig.FickleNet config) {
        this(config, Form.EXPANDED);
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
        LocalizationMaps.Summary summary = null;
        for (int done = 0; done < config.passes(); done += config.passesPerBatch()) {
            int n = Math.min(config.passesPerBatch(), config.passes() - done);
            try (NDManager scope = features.getManager().newSubManager()) {
                NDArray masks = CenterPreservingDropout.sample(scope, n, h, w, s, config.dropRate());
                NDArray maps = passMaps(model, features, masks, classIndex);
                LocalizationMaps.Summary chunk = LocalizationMaps.summarize(maps, height, width);
                summary = summary == null ? chunk : summary.merge(chunk);
            }
        }
        return summary.toMaps(classIds, height, width);
    }

    /** Grad-CAM maps (n, m, h, w) of the n passes given by {@code masks}, for each class. */
    public NDArray passMaps(Classifier model, NDArray features, NDArray masks, int[] classIndex) {
        int n = (int) masks.getShape().get(0);
        NDArray batch = features.repeat(0, n);
        NDList perClass = new NDList();
        for (int c : classIndex) {
            int[] target = new int[n];
            Arrays.fill(target, c);
            perClass.add(GradCam.maps(batch, x -> logits(model, x, masks), target));
        }
        return NDArrays.stack(perClass, 1);
    }

    private NDArray logits(Classifier model, NDArray features, NDArray masks) {
        return switch (form) {
            case EXPANDED -> model.stochasticLogits(features, masks);
            case PER_WINDOW -> PerWindowReference.stochasticLogits(features, masks, model.headWeight(), model.headBias());
        };
    }
}
