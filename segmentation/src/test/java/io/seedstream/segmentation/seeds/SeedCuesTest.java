package io.seedstream.segmentation.seeds;

import static io.seedstream.segmentation.seeds.SeedCues.UNSEEDED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class SeedCuesTest {

    private final SeedCues cues = new SeedCues(0.2, 0.05);

    @Test
    void foregroundAboveAFractionOfEachMapsMaximumBackgroundWhereAllMapsAreLow() {
        // class 1 (max 1.0, cut 0.2) and class 2 (max 0.5, cut 0.1), four pixels
        float[] maps = {
            1.0f, 0.3f, 0.1f, 0.00f,
            0.0f, 0.5f, 0.1f, 0.02f
        };
        // p0: only class 1; p1: both, class 2 has the larger map; p2: neither above its cut (0.1 is
        // not above 0.1) and not low enough for background; p3: all below 0.05
        assertThat(cues.seeds(maps, new int[] {1, 2}, 0)).containsExactly(1, 2, UNSEEDED, 0);
        // without a background class, low pixels stay unseeded
        assertThat(cues.seeds(maps, new int[] {1, 2}, -1)).containsExactly(1, 2, UNSEEDED, UNSEEDED);
    }

    @Test
    void rejectsMapsThatDoNotMatchTheClasses() {
        assertThatThrownBy(() -> cues.seeds(new float[3], new int[] {1, 2}, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> cues.seeds(new float[0], new int[0], 0)).isInstanceOf(IllegalArgumentException.class);
    }
}
