package io.seedstream.segmentation.localization;

/**
 * FickleNet's aggregation of N localization maps into one label map: pixel u is claimed by class c
 * if any map M_i(c, u) exceeds theta (equivalently, the maximum over i does); a pixel claimed by
 * several classes takes the class with the largest mean map; a pixel no class claims stays {@link
 * #UNCLAIMED} (ignored as a seed; background when localization is scored).
 */
public final class MapAggregation {

    public static final int UNCLAIMED = -1;

    private MapAggregation() {}

    /**
     * @param maxMap per class and pixel, the maximum over the N maps (m x pixels, class-major)
     * @param meanMap per class and pixel, the mean over the N maps (same layout)
     * @param classIds the class id of each of the m maps
     * @return a class id or {@link #UNCLAIMED} per pixel
     */
    public static int[] aggregate(float[] maxMap, float[] meanMap, int[] classIds, double theta) {
        int m = classIds.length;
        int pixels = maxMap.length / m;
        int[] labels = new int[pixels];
        for (int u = 0; u < pixels; u++) {
            int best = UNCLAIMED;
            float bestMean = Float.NEGATIVE_INFINITY;
            for (int c = 0; c < m; c++) {
                if (maxMap[c * pixels + u] > theta && meanMap[c * pixels + u] > bestMean) {
                    best = classIds[c];
                    bestMean = meanMap[c * pixels + u];
                }
            }
            labels[u] = best;
        }
        return labels;
    }
}
