package io.seedstream.segmentation.seeds;

/**
 * DSRG's seed cues from localization maps: a pixel is a foreground seed of class c where c's map
 * exceeds a fraction of that map's maximum (the class with the larger map wins where several do);
 * a background seed where every class's map is below the background threshold; otherwise it stays
 * {@link #UNSEEDED} and only region growing or the segmenter decides it.
 */
public final class SeedCues {

    /** A pixel without a seed. */
    public static final int UNSEEDED = -1;

    private final double foregroundFraction;
    private final double backgroundThreshold;

    public SeedCues(double foregroundFraction, double backgroundThreshold) {
        this.foregroundFraction = foregroundFraction;
        this.backgroundThreshold = backgroundThreshold;
    }

    /**
     * @param maps non-negative maps of the m classes present, class-major (m x pixels)
     * @param classIds the class id of each map
     * @param background the background's class id, or -1 for data sets without one (no background seeds)
     * @return a class id or {@link #UNSEEDED} per pixel
     */
    public int[] seeds(float[] maps, int[] classIds, int background) {
        int m = classIds.length;
        if (m == 0 || maps.length % m != 0) {
            throw new IllegalArgumentException("seeds need one map per class id, got " + maps.length + " values for " + m + " classes");
        }
        int pixels = maps.length / m;
        float[] cut = new float[m];
        for (int c = 0; c < m; c++) {
            float max = 0;
            for (int u = 0; u < pixels; u++) {
                max = Math.max(max, maps[c * pixels + u]);
            }
            cut[c] = (float) (foregroundFraction * max);
        }
        int[] seeds = new int[pixels];
        for (int u = 0; u < pixels; u++) {
            int best = UNSEEDED;
            float bestValue = 0;
            boolean allLow = true;
            for (int c = 0; c < m; c++) {
                float value = maps[c * pixels + u];
                if (value > cut[c] && value > bestValue) {
                    best = classIds[c];
                    bestValue = value;
                }
                allLow &= value < backgroundThreshold;
            }
            seeds[u] = best != UNSEEDED ? best : allLow && background >= 0 ? background : UNSEEDED;
        }
        return seeds;
    }
}
