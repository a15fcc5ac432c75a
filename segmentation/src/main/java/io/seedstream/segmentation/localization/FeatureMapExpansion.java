package io.seedstream.segmentation.localization;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
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

    /**
     * The adjoint of {@link #expand}: (B, k, s*h, s*w) to (B, k, h, w), each position of x receiving
     * the sum of the expanded positions that copy it (padding positions are dropped). Applied to a
     * gradient with respect to the expansion it gives the gradient with respect to x.
     */
    public static NDArray fold(NDArray expanded, int s) {
        Shape shape = expanded.getShape();
        long batch = shape.get(0);
        long k = shape.get(1);
        int h = (int) shape.get(2) / s;
        int w = (int) shape.get(3) / s;
        int r = (s - 1) / 2;
        NDArray blocks = expanded.reshape(batch, k, h, s, w, s);
        NDArray padded = null;
        for (int a = 0; a < s; a++) {
            for (int b = 0; b < s; b++) {
                // Offset (a, b) of window (i, j) copies x_p[i + a, j + b]: shift the (h, w) grid there.
                NDArray shifted = blocks.get(new NDIndex(":, :, :, {}, :, {}", a, b))
                        .pad(new Shape(b, 2 * r - b, a, 2 * r - a), 0);
                padded = padded == null ? shifted : padded.add(shifted);
            }
        }
        return padded.get(new NDIndex(":, :, {}:{}, {}:{}", r, r + h, r, r + w));
    }

    /**
     * 1 where an expanded position copies a pixel of x, 0 where it copies zero padding: (1, 1, s*h,
     * s*w). Summing a gradient over the expanded map where this is 1 gives the sum of the gradient
     * over x, since each expanded position copies exactly one position of x_p.
     */
    public static NDArray interior(NDManager manager, int h, int w, int s) {
        long[] rows = windowIndices(h, s);
        long[] cols = windowIndices(w, s);
        int r = (s - 1) / 2;
        float[] values = new float[rows.length * cols.length];
        for (int y = 0; y < rows.length; y++) {
            for (int x = 0; x < cols.length; x++) {
                boolean inside = rows[y] >= r && rows[y] < h + r && cols[x] >= r && cols[x] < w + r;
                values[y * cols.length + x] = inside ? 1f : 0f;
            }
        }
        return manager.create(values, new Shape(1, 1, rows.length, cols.length));
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
