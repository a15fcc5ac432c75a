package io.seedstream.segmentation.localization;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import io.seedstream.segmentation.nn.Ops;

/**
 * The naive form of FickleNet's stochastic forward that the expansion avoids: a loop over the h x w
 * sliding windows, each cut out of the padded map, multiplied by its own dropout mask and
 * convolved on its own (the passes of a batch are still processed together). It computes the same
 * function as the expanded form for the same masks; tests and the speed benchmark use it.
 */
public final class PerWindowReference {

    private PerWindowReference() {}

    /**
     * @param features (B, k, h, w)
     * @param masks (B, 1, s*h, s*w), as for the expanded form
     * @param weight (C, k, s, s)
     * @param bias (C)
     * @return logits (B, C)
     */
    public static NDArray stochasticLogits(NDArray features, NDArray masks, NDArray weight, NDArray bias) {
        Shape shape = features.getShape();
        long batch = shape.get(0);
        long k = shape.get(1);
        int h = (int) shape.get(2);
        int w = (int) shape.get(3);
        int s = (int) weight.getShape().get(2);
        int r = (s - 1) / 2;
        long c = weight.getShape().get(0);
        NDArray padded = features.pad(new Shape(r, r, r, r), 0);
        NDArray flatWeight = weight.reshape(c, k * s * s).transpose();
        NDArray sum = null;
        for (int i = 0; i < h; i++) {
            for (int j = 0; j < w; j++) {
                NDArray window = padded.get(new NDIndex(":, :, {}:{}, {}:{}", i, i + s, j, j + s));
                NDArray mask = masks.get(new NDIndex(":, :, {}:{}, {}:{}", i * s, (i + 1) * s, j * s, (j + 1) * s));
                NDArray out = window.mul(mask).reshape(batch, k * s * s).matMul(flatWeight);
                sum = sum == null ? out : sum.add(out);
            }
        }
        return Ops.div(sum, (double) h * w).add(bias);
    }
}
