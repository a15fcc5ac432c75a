package io.seedstream.segmentation.localization;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class MapAggregationTest {

    /*
     * Two classes (ids 3 and 5), three pixels, two stochastic maps each, theta = 0.35:
     *   class 3: pass 1 [0.9, 0.2, 0.1], pass 2 [0.1, 0.5, 0.2] -> max [0.9, 0.5, 0.2], mean [0.5, 0.35, 0.15]
     *   class 5: pass 1 [0.1, 0.7, 0.2], pass 2 [0.1, 0.1, 0.3] -> max [0.1, 0.7, 0.3], mean [0.1, 0.4, 0.25]
     * pixel 0: only class 3 exceeds theta (in pass 1)                 -> 3
     * pixel 1: both exceed theta in some pass; mean 0.4 beats 0.35    -> 5
     * pixel 2: no map exceeds theta                                   -> unclaimed
     */
    @Test
    void claimsByAnyMapResolvesConflictsByMeanAndLeavesTheRestUnclaimed() {
        float[] max = {0.9f, 0.5f, 0.2f, 0.1f, 0.7f, 0.3f};
        float[] mean = {0.5f, 0.35f, 0.15f, 0.1f, 0.4f, 0.25f};
        int[] labels = MapAggregation.aggregate(max, mean, new int[] {3, 5}, 0.35);
        assertThat(labels).containsExactly(3, 5, MapAggregation.UNCLAIMED);
    }

    @Test
    void aPixelClaimedByOnePassOnlyIsStillClaimedThoughItsMeanIsLow() {
        float[] max = {0.36f};
        float[] mean = {0.01f};
        assertThat(MapAggregation.aggregate(max, mean, new int[] {1}, 0.35)).containsExactly(1);
        assertThat(MapAggregation.aggregate(max, mean, new int[] {1}, 0.37)).containsExactly(MapAggregation.UNCLAIMED);
    }
}
