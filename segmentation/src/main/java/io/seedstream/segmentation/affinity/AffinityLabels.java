package io.seedstream.segmentation.affinity;

import io.seedstream.segmentation.seeds.ConfidentSeeds;

/**
 * What the affinity learns from one image's confident seeds, as IRN's {@code
 * GetAffinityLabelFromIndices} and PSA's {@code ExtractAffinityLabelInRadius} make it: the seeds
 * are reduced to the feature map (nearest neighbour), and a pair of pixels within the radius is a
 * background pair (both background), a foreground pair (both the same foreground class) or a
 * negative pair (two different labels); a pair with an unseeded pixel teaches nothing.
 *
 * <p>Per offset o, the pairs are laid out row-major over the pixels that have a partner there (see
 * {@link PairOffsets}); each array holds 1 where the pair is of that kind.
 */
public record AffinityLabels(float[][] backgroundPairs, float[][] foregroundPairs, float[][] negativePairs) {

    /**
     * @param seeds a class id or {@link ConfidentSeeds#UNSEEDED} per feature-map pixel, row-major
     * @param background the background's class id, or -1 for data sets without one
     */
    public static AffinityLabels of(int[] seeds, int width, int height, int background, PairOffsets offsets) {
        if (seeds.length != width * height) {
            throw new IllegalArgumentException(seeds.length + " seeds do not fit a " + width + "x" + height + " map");
        }
        int n = offsets.count();
        float[][] bg = new float[n][];
        float[][] fg = new float[n][];
        float[][] neg = new float[n][];
        for (int o = 0; o < n; o++) {
            int rows = offsets.rows(o, height);
            int columns = offsets.columns(o, width);
            bg[o] = new float[rows * columns];
            fg[o] = new float[rows * columns];
            neg[o] = new float[rows * columns];
            for (int y = 0; y < rows; y++) {
                for (int c = 0; c < columns; c++) {
                    int x = offsets.fromX(o) + c;
                    int from = seeds[y * width + x];
                    int to = seeds[(y + offsets.dy()[o]) * width + x + offsets.dx()[o]];
                    if (from == ConfidentSeeds.UNSEEDED || to == ConfidentSeeds.UNSEEDED) {
                        continue;
                    }
                    int pair = y * columns + c;
                    if (from != to) {
                        neg[o][pair] = 1;
                    } else if (from == background) {
                        bg[o][pair] = 1;
                    } else {
                        fg[o][pair] = 1;
                    }
                }
            }
        }
        return new AffinityLabels(bg, fg, neg);
    }

    /** Seeds of an image reduced to a feature map of the given size by taking the nearest pixel (PIL's order 0). */
    public static int[] downsample(int[] seeds, int width, int height, int mapWidth, int mapHeight) {
        int[] reduced = new int[mapWidth * mapHeight];
        for (int y = 0; y < mapHeight; y++) {
            int sy = Math.min(height - 1, (int) ((y + 0.5) * height / mapHeight));
            for (int x = 0; x < mapWidth; x++) {
                int sx = Math.min(width - 1, (int) ((x + 0.5) * width / mapWidth));
                reduced[y * mapWidth + x] = seeds[sy * width + sx];
            }
        }
        return reduced;
    }
}
