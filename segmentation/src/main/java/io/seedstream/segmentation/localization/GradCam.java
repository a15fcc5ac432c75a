package io.seedstream.segmentation.localization;

import ai.djl.ndarray.NDArray;
import io.seedstream.segmentation.nn.Autograd;
import io.seedstream.segmentation.nn.Ops;
import java.util.function.UnaryOperator;

/**
 * Grad-CAM: the channels of a feature map x weighted by the spatial mean of the gradient of a class
 * logit with respect to them, summed, ReLU. The gradient of the logit (not the sigmoid) is used: the
 * sigmoid only multiplies each map by a positive number, which the max normalization removes, and
 * would underflow for confident scores.
 *
 * <p>{@link Weights#PIXEL} keeps the gradient per pixel instead (ReLU(sum_k dlogit/dx_k * x_k)): the
 * variant the localization benchmark compares, since spatial averaging washes out the differences
 * between FickleNet's stochastic passes.
 *
 * <p>Records the graph with {@link Autograd#record()}, so it may run while another thread trains.
 */
public final class GradCam {

    /** How the gradient weighs the feature channels. */
    public enum Weights {
        /** Grad-CAM: one weight per channel, the spatial mean of the gradient. */
        CHANNEL,
        /** The gradient itself, per channel and pixel. */
        PIXEL
    }

    private GradCam() {}

    /**
     * Standard Grad-CAM maps (B, h, w), not normalized.
     *
     * @param features (B, k, h, w); gradients are taken with respect to a detached copy
     * @param logitsOf the network from features to logits (B, C)
     * @param classIndex the class explained in each row (length B)
     */
    public static NDArray maps(NDArray features, UnaryOperator<NDArray> logitsOf, int[] classIndex) {
        return fromGradient(gradient(features, logitsOf, classIndex), features.stopGradient(), Weights.CHANNEL);
    }

    /** d logit / d features (B, k, h, w) of the class of each row, by autograd. */
    public static NDArray gradient(NDArray features, UnaryOperator<NDArray> logitsOf, int[] classIndex) {
        NDArray x = features.stopGradient();
        x.setRequiresGradient(true);
        try (Autograd.Recording recording = Autograd.record()) {
            NDArray logits = logitsOf.apply(x);
            NDArray selector = x.getManager().create(classIndex).oneHot((int)
                    logits.getShape().get(1));
            recording.backward(logits.mul(selector).sum());
            return x.getGradient().stopGradient();
        }
    }

    /** Maps (B, h, w) from the gradient (B, k, h, w) of the logits with respect to the features. */
    public static NDArray fromGradient(NDArray gradient, NDArray features, Weights weights) {
        return weights == Weights.CHANNEL
                ? weighted(Ops.spatialMean(gradient), features)
                : Ops.relu(gradient.mul(features).sum(new int[] {1}));
    }

    /** ReLU(sum_k alpha_k x_k): channel weights (B, k) applied to features (B, k, h, w), giving (B, h, w). */
    public static NDArray weighted(NDArray channelWeights, NDArray features) {
        return Ops.relu(channelWeights.expandDims(2).expandDims(3).mul(features).sum(new int[] {1}));
    }
}
