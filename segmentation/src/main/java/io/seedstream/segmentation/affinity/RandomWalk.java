package io.seedstream.segmentation.affinity;

import java.util.Arrays;

/**
 * AffinityNet's random walk (PSA {@code infer_aff.py}, IRN {@code misc/indexing.py}): the pair
 * affinities form a symmetric matrix A with ones on the diagonal, raised element-wise to beta
 * (which sharpens it: weak affinities vanish), and normalised column by column into a transition
 * matrix T; the class maps are multiplied by T^(2^t), i.e. walked 2^t steps, so a class's evidence
 * spreads through the region its seeds' pixels have high affinity with and stops at boundaries.
 *
 * <p>The references square T t times as a dense matrix; here the same product is 2^t sparse steps
 * over the radius-limited neighbours (x T = sum over neighbours i of x_i A_ij^beta / colsum_j),
 * which is the same number in far fewer operations for a feature map of a few hundred pixels.
 */
public final class RandomWalk {

    private final PairOffsets offsets;
    private final double beta;
    private final int logSteps;

    /**
     * @param beta the power on the affinities (IRN 10, PSA 8)
     * @param logSteps t: the walk takes 2^t steps (IRN's exp_times and PSA's logt, 8)
     */
    public RandomWalk(PairOffsets offsets, double beta, int logSteps) {
        if (!(beta > 0) || logSteps < 0 || logSteps > 16) {
            throw new IllegalArgumentException(
                    "a random walk needs beta > 0 and 0 <= t <= 16, got beta " + beta + ", t " + logSteps);
        }
        this.offsets = offsets;
        this.beta = beta;
        this.logSteps = logSteps;
    }

    /**
     * @param affinities per offset, the affinities of the pixels that have a partner there, row-major
     *     (as {@link PairAffinity#affinities} lays them out, for one image)
     * @param maps maps to propagate, map-major (m x pixels) at the feature map's size
     * @return the maps after 2^t steps, same layout
     */
    public float[] propagate(float[][] affinities, float[] maps, int width, int height) {
        int pixels = width * height;
        if (maps.length % pixels != 0 || affinities.length != offsets.count()) {
            throw new IllegalArgumentException("maps (" + maps.length + " values) or affinities (" + affinities.length
                    + " offsets) do not fit a " + width + "x" + height + " map with " + offsets.count() + " offsets");
        }
        float[][] powered = new float[affinities.length][];
        double[] columnSums = new double[pixels];
        Arrays.fill(columnSums, 1.0); // the diagonal: a pixel's affinity to itself is 1
        for (int o = 0; o < affinities.length; o++) {
            int columns = offsets.columns(o, width);
            powered[o] = new float[affinities[o].length];
            for (int p = 0; p < powered[o].length; p++) {
                powered[o][p] = (float) Math.pow(Math.max(0, affinities[o][p]), beta);
                int from = from(o, p, columns, width);
                int to = from + offsets.dy()[o] * width + offsets.dx()[o];
                columnSums[from] += powered[o][p];
                columnSums[to] += powered[o][p];
            }
        }
        float[] inverseSums = new float[pixels];
        for (int u = 0; u < pixels; u++) {
            inverseSums[u] = (float) (1 / columnSums[u]);
        }
        int m = maps.length / pixels;
        float[] current = maps.clone();
        float[] next = new float[current.length];
        long steps = 1L << logSteps;
        for (long step = 0; step < steps; step++) {
            System.arraycopy(current, 0, next, 0, current.length); // the diagonal
            for (int c = 0; c < m; c++) {
                int base = c * pixels;
                for (int o = 0; o < powered.length; o++) {
                    int columns = offsets.columns(o, width);
                    int rows = powered[o].length / Math.max(1, columns);
                    int shift = offsets.dy()[o] * width + offsets.dx()[o];
                    float[] a = powered[o];
                    for (int y = 0; y < rows; y++) {
                        int from = base + y * width + offsets.fromX(o);
                        int pair = y * columns;
                        // Two plain loops over contiguous runs, which the JIT vectorizes; one loop doing both would
                        // not.
                        for (int x = 0; x < columns; x++) {
                            next[from + x] += a[pair + x] * current[from + shift + x];
                        }
                        for (int x = 0; x < columns; x++) {
                            next[from + shift + x] += a[pair + x] * current[from + x];
                        }
                    }
                }
                for (int u = 0; u < pixels; u++) {
                    next[base + u] *= inverseSums[u];
                }
            }
            float[] swap = current;
            current = next;
            next = swap;
        }
        return current;
    }

    private int from(int o, int pair, int columns, int width) {
        return (pair / columns) * width + offsets.fromX(o) + pair % columns;
    }
}
