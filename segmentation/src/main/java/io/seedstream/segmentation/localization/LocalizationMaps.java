package io.seedstream.segmentation.localization;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.seedstream.segmentation.nn.Ops;
import java.util.Arrays;

/**
 * The localization maps of one image at image resolution, for the m classes it is labeled with:
 * per class and pixel, the maximum and the mean over the N maps, and the first map alone (what a
 * single stochastic pass gives). Each map was normalized by its own maximum before resizing, so
 * values are in [0, 1] and one threshold fits all. Layout: class-major, m x height x width.
 */
public record LocalizationMaps(
        int[] classIds, int height, int width, int count, float[] max, float[] mean, float[] first) {

    /** Labels per pixel at threshold theta, see {@link MapAggregation}. */
    public int[] labels(double theta) {
        if (classIds.length == 0) {
            int[] unclaimed = new int[height * width];
            Arrays.fill(unclaimed, MapAggregation.UNCLAIMED);
            return unclaimed;
        }
        return MapAggregation.aggregate(max, mean, classIds, theta);
    }

    /** For an image labeled with no class: no maps, every pixel unclaimed. */
    public static LocalizationMaps none(int height, int width) {
        return new LocalizationMaps(new int[0], height, width, 1, new float[0], new float[0], new float[0]);
    }

    /** What the first map alone gives, as if only one pass had run. */
    public LocalizationMaps firstOnly() {
        return new LocalizationMaps(classIds, height, width, 1, first, first, first);
    }

    /** From raw maps (N, m, h, w) of one image: normalized, resized, reduced over N. */
    public static LocalizationMaps of(NDArray maps, int[] classIds, int height, int width) {
        return summarize(maps, height, width).toMaps(classIds, height, width);
    }

    /** Maximum, sum and first map over a chunk of passes; {@link #merge} combines chunks. */
    record Summary(int count, float[] max, float[] sum, float[] first) {
        Summary merge(Summary later) {
            float[] mx = max.clone();
            float[] sm = sum.clone();
            for (int i = 0; i < mx.length; i++) {
                mx[i] = Math.max(mx[i], later.max[i]);
                sm[i] += later.sum[i];
            }
            return new Summary(count + later.count, mx, sm, first);
        }

        LocalizationMaps toMaps(int[] classIds, int height, int width) {
            float[] mean = sum.clone();
            for (int i = 0; i < mean.length; i++) {
                mean[i] /= count;
            }
            return new LocalizationMaps(classIds.clone(), height, width, count, max, mean, first);
        }
    }

    static Summary summarize(NDArray maps, int height, int width) {
        try (NDManager scope = maps.getManager().newSubManager()) {
            scope.tempAttachAll(maps); // intermediates go to this scope; maps returns to its owner
            Shape shape = maps.getShape();
            NDArray resized = Ops.resize(Ops.normalizeByMax(maps), height, width);
            return new Summary(
                    (int) shape.get(0),
                    resized.max(new int[] {0}).toFloatArray(),
                    resized.sum(new int[] {0}).toFloatArray(),
                    resized.get(0).toFloatArray());
        }
    }
}
