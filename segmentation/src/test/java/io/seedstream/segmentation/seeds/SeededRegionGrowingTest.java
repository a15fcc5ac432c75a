package io.seedstream.segmentation.seeds;

import static io.seedstream.segmentation.seeds.ConfidentSeeds.UNSEEDED;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class SeededRegionGrowingTest {

    private static final int BG = 0;
    private final SeededRegionGrowing growing = new SeededRegionGrowing(0.85, 0.99);

    /** Probabilities for classes 0..classes-1 (class-major), every pixel starting at uniform. */
    private static float[] uniform(int classes, int pixels) {
        float[] p = new float[classes * pixels];
        Arrays.fill(p, 1f / classes);
        return p;
    }

    private static void set(float[] p, int pixels, int u, float... perClass) {
        for (int c = 0; c < perClass.length; c++) {
            p[c * pixels + u] = perClass[c];
        }
    }

    @Test
    void growsThroughEightConnectedQualifyingPixelsOnly() {
        // 5 x 3, seed of class 1 at (0,0); q = P(1) 0.9. (1,1) and (2,2) chain diagonally from the
        // seed; (4,0) qualifies too but touches no region, so it stays unseeded.
        //   S . . . q
        //   . q . . .
        //   . . q . .
        int w = 5;
        int h = 3;
        int n = w * h;
        float[] p = uniform(2, n);
        for (int u : new int[] {4, w + 1, 2 * w + 2}) {
            set(p, n, u, 0.1f, 0.9f);
        }
        int[] seeds = new int[n];
        Arrays.fill(seeds, UNSEEDED);
        seeds[0] = 1;
        int[] grown = growing.grow(seeds, p, new int[] {BG, 1}, BG, w, h);
        int[] expected = new int[n];
        Arrays.fill(expected, UNSEEDED);
        expected[0] = 1;
        expected[w + 1] = 1;
        expected[2 * w + 2] = 1;
        assertThat(grown).containsExactly(expected);
    }

    @Test
    void backgroundNeedsThetaBAndForegroundThetaF() {
        // one row: [bg seed, P(bg) 0.95, P(bg) 0.995] and [fg seed, P(1) 0.84, ...]
        int n = 6;
        float[] p = uniform(2, n);
        set(p, n, 1, 0.995f, 0.005f); // joins the background: above 0.99
        set(p, n, 2, 0.95f, 0.05f); // does not: below 0.99, though background is most probable
        set(p, n, 4, 0.16f, 0.84f); // does not: below 0.85
        set(p, n, 5, 0.1f, 0.9f); // would, but only through pixel 4
        int[] seeds = {BG, UNSEEDED, UNSEEDED, 1, UNSEEDED, UNSEEDED};
        assertThat(growing.grow(seeds, p, new int[] {BG, 1}, BG, n, 1))
                .containsExactly(BG, BG, UNSEEDED, 1, UNSEEDED, UNSEEDED);
    }

    @Test
    void onlyTheMostProbableAllowedClassGrowsAndSeedsNeverChange() {
        // classes 0, 1, 2; the image is labeled with class 1 only
        int n = 3;
        float[] p = uniform(3, n);
        set(p, n, 0, 0.0f, 0.05f, 0.95f); // seed of class 1 that the segmenter calls class 2: kept
        set(p, n, 1, 0.0f, 0.9f, 0.1f); // joins class 1
        set(p, n, 2, 0.0f, 0.1f, 0.9f); // class 2 is not in the image: its best allowed class, 1, is at 0.1
        int[] seeds = {1, UNSEEDED, UNSEEDED};
        assertThat(growing.grow(seeds, p, new int[] {BG, 1}, BG, n, 1)).containsExactly(1, 1, UNSEEDED);
    }

    @Test
    void reachesTheFixpointInOneCallAndThenChangesNothing() {
        // a one-pixel-wide snake of qualifying pixels winding through a 20 x 20 grid: every row,
        // joined at alternating ends; region growing must follow all of it from the seed at its start
        int w = 20;
        int h = 20;
        int n = w * h;
        float[] p = uniform(2, n);
        int[] seeds = new int[n];
        Arrays.fill(seeds, UNSEEDED);
        int snake = 0;
        for (int y = 0; y < h; y += 2) {
            for (int x = 0; x < w; x++) {
                set(p, n, y * w + x, 0.05f, 0.95f);
                snake++;
            }
            if (y + 1 < h) {
                set(p, n, (y + 1) * w + ((y / 2) % 2 == 0 ? w - 1 : 0), 0.05f, 0.95f);
                snake++;
            }
        }
        seeds[0] = 1;
        int[] grown = growing.grow(seeds, p, new int[] {BG, 1}, BG, w, h);
        assertThat(Arrays.stream(grown).filter(l -> l == 1).count()).isEqualTo(snake);
        assertThat(growing.grow(grown, p, new int[] {BG, 1}, BG, w, h)).containsExactly(grown);
    }
}
