package io.seedstream.segmentation.localization;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/**
 * FickleNet's feature-map expansion: the zero-padded map x_p is rearranged so that the s x s
 * window around every position (i, j) becomes its own, non-overlapping s x s block:
 *
 * <pre>E[.., i*s + a, j*s + b] = x_p[.., i + a, j + b],   x_p = x zero-padded by r = (s - 1) / 2</pre>
 *
 * A convolution with kernel s and stride s over E then visits each window exactly once, so a
 * dropout mask on E drops units per window, which is what FickleNet needs and a plain convolution
 * cannot do. Implemented as pad + two gathers with precomputed indices (the fastest form found).
 */
public final class FeatureMapExpansion {

    private FeatureMapExpansion() {}

    /** (B, k, h, w) to (B, k, s*h, s*w). */
    public static NDArray expand(NDArray x, int s) {
        Shape shape = x.getShape();
        long batch = shape.get(0);
        long channels = shape.get(1);
        int h = (int) shape.get(2);
        int w = (int) shape.get(3);
        int r = (s - 1) / 2;
        NDManager manager = x.getManager();
        NDArray padded = x.pad(new Shape(r, r, r, r), 0);
        NDArray rows = manager.create(windowIndices(h, s)).reshape(1, 1, (long) s * h, 1);
        NDArray cols = manager.create(windowIndices(w, s)).reshape(1, 1, 1, (long) s * w);
        NDArray expandedRows = padded.gather(rows.broadcast(batch, channels, (long) s * h, w + 2L * r), 2);
        return expandedRows.gather(cols.broadcast(batch, channels, (long) s * h, (long) s * w), 3);
    }

    /** Index into the padded axis for each expanded position: {@code i*s + a -> i + a}. */
    static long[] windowIndices(int length, int s) {
        long[] index = new long[length * s];
        for (int i = 0; i < length; i++) {
            for (int a = 0; a < s; a++) {
                index[i * s + a] = i + a;
            }
        }
        return index;
    }
}
