package io.seedstream.segmentation.localization;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.seedstream.segmentation.nn.Ops;

/**
 * FickleNet's dropout on the expanded feature map: one mask shared by all channels, drawn
 * independently for every window, with the window's center never dropped (so every position keeps
 * the feature it is centered on).
 *
 * <p>Kept units other than the center are scaled by 1 / (1 - p) and the center is kept as is, so
 * the expected mask is 1 everywhere: without dropout the head is exactly an s x s convolution.
 */
public final class CenterPreservingDropout {

    private CenterPreservingDropout() {}

    /** {@code count} masks of shape (count, 1, s*h, s*w) for drop rate {@code p}. */
    public static NDArray sample(NDManager manager, int count, int h, int w, int s, double p) {
        Shape shape = new Shape(count, 1, (long) s * h, (long) s * w);
        NDArray keep = manager.randomUniform(0f, 1f, shape).gte((float) p).toType(DataType.FLOAT32, false);
        NDArray centers = centers(manager, h, w, s);
        return Ops.mul(keep, 1 / (1 - p)).mul(centers.neg().add(1f)).add(centers);
    }

    /** 1 at the center of each window of the expanded map, 0 elsewhere: (1, 1, s*h, s*w). */
    public static NDArray centers(NDManager manager, int h, int w, int s) {
        int r = (s - 1) / 2;
        float[] values = new float[s * h * s * w];
        for (int i = 0; i < h; i++) {
            for (int j = 0; j < w; j++) {
                values[(i * s + r) * (s * w) + j * s + r] = 1f;
            }
        }
        return manager.create(values, new Shape(1, 1, (long) s * h, (long) s * w));
    }
}
