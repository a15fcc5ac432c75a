package io.seedstream.segmentation.loss;

import ai.djl.ndarray.NDArray;
import io.seedstream.segmentation.nn.Ops;

/**
 * DSRG's seeding loss on pixel log-probabilities (B, K, H, W) against one-hot seeds (B, K, H, W):
 * 1 at a seeded pixel's class, all zero at unseeded pixels. {@link #crossEntropy} averages over all
 * seeded pixels (also the full-mask term of the semi-supervised setting); {@link #balanced}
 * averages the foreground and the background seeds separately and adds the two means, so the
 * usually far more numerous background seeds do not drown the objects.
 */
public final class BalancedSeedLoss {

    private BalancedSeedLoss() {}

    /** -sum(seeds * logProbs) / number of seeded pixels (0 when nothing is seeded). */
    public static NDArray crossEntropy(NDArray logProbs, NDArray seeds) {
        return logProbs.mul(seeds).sum().neg().div(Ops.maximum(seeds.sum(), 1));
    }

    /**
     * Mean over foreground seeds plus mean over background seeds.
     *
     * @param background the background's channel, or -1 (then only the foreground term exists)
     */
    public static NDArray balanced(NDArray logProbs, NDArray seeds, int background) {
        if (background < 0) {
            return crossEntropy(logProbs, seeds);
        }
        long classes = seeds.getShape().get(1);
        float[] isBackground = new float[(int) classes];
        isBackground[background] = 1f;
        NDArray backgroundChannel = seeds.getManager().create(isBackground).reshape(1, classes, 1, 1);
        NDArray backgroundSeeds = seeds.mul(backgroundChannel);
        NDArray foregroundSeeds = seeds.sub(backgroundSeeds);
        return crossEntropy(logProbs, foregroundSeeds).add(crossEntropy(logProbs, backgroundSeeds));
    }
}
