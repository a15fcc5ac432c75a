package io.seedstream.segmentation.loss;

import ai.djl.ndarray.NDArray;
import io.seedstream.segmentation.nn.Ops;

/**
 * ReCAM's softmax cross-entropy: each class-specific feature f_k (features masked by class k's CAM)
 * must be classified as k among all classes, which makes classes compete for pixels where the
 * independent sigmoids of BCE do not.
 */
public final class ReCamLoss {

    private ReCamLoss() {}

    /**
     * @param reCamLogits (B, C, C): row k is the second head's logits for f_k
     * @param targets (B, C) multi-hot labels: only the classes present contribute
     * @return mean over the present (image, class) pairs of -log softmax(row k)[k]
     */
    public static NDArray softmaxCrossEntropy(NDArray reCamLogits, NDArray targets) {
        long c = targets.getShape().get(1);
        NDArray logProbabilities = reCamLogits.logSoftmax(2);
        NDArray own = logProbabilities.mul(targets.getManager().eye((int) c)).sum(new int[] {2});
        return own.mul(targets).sum().neg().div(Ops.maximum(targets.sum(), 1));
    }
}
