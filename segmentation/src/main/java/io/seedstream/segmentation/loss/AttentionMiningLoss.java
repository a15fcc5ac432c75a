package io.seedstream.segmentation.loss;

import ai.djl.ndarray.NDArray;
import io.seedstream.segmentation.nn.Ops;

/**
 * GAIN's attention mining. From class c's attention map A_c (in [0, 1]) a soft mask
 * T(A) = sigmoid(omega (A - sigma)) is built and the attended region erased: I* = I - T(A) * I. If
 * the attention covered all of the object, nothing is left to recognize it by, so the loss is the
 * classifier's score for c on I*. GAINext adds, for images with a pixel mask, a loss pulling A_c
 * toward that mask.
 */
public final class AttentionMiningLoss {

    private AttentionMiningLoss() {}

    /** T(A) = sigmoid(omega (A - sigma)). */
    public static NDArray softMask(NDArray attention, double sigma, double omega) {
        return Ops.mul(attention.sub((float) sigma), omega).getNDArrayInternal().sigmoid();
    }

    /** I* = I - T(A) * I; images (P, 3, H, W), soft mask (P, 1, H, W). */
    public static NDArray erase(NDArray images, NDArray softMask) {
        return images.sub(images.mul(softMask));
    }

    /**
     * @param erasedLogits logits (P, C) of the erased images
     * @param classOneHot (P, C): the class whose attention erased each image
     * @return the mean over the P images of sigmoid(logit of that class)
     */
    public static NDArray loss(NDArray erasedLogits, NDArray classOneHot) {
        return Ops.div(
                erasedLogits.getNDArrayInternal().sigmoid().mul(classOneHot).sum(),
                erasedLogits.getShape().get(0));
    }

    /** GAINext: mean squared difference between attention maps and pixel masks, both (P, 1, H, W). */
    public static NDArray extensionLoss(NDArray attention, NDArray pixelMask) {
        return attention.sub(pixelMask).square().mean();
    }
}
