package io.seedstream.segmentation.localization;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import org.junit.jupiter.api.Test;

class CenterPreservingDropoutTest {

    @Test
    void centersAreAlwaysKeptAndOtherUnitsDropAtRateP() {
        try (NDManager manager = NDManager.newBaseManager()) {
            manager.getEngine().setRandomSeed(1);
            int s = 3;
            int h = 4;
            int w = 5;
            double p = 0.9;
            float[] masks =
                    CenterPreservingDropout.sample(manager, 400, h, w, s, p).toFloatArray();
            float[] centers = CenterPreservingDropout.centers(manager, h, w, s).toFloatArray();
            int plane = centers.length;
            long kept = 0;
            long others = 0;
            for (int n = 0; n < 400; n++) {
                for (int u = 0; u < plane; u++) {
                    float value = masks[n * plane + u];
                    if (centers[u] == 1f) {
                        assertThat(value).isEqualTo(1f);
                    } else {
                        others++;
                        if (value != 0f) {
                            kept++;
                            assertThat(value).isCloseTo(10f, within(1e-4f)); // 1 / (1 - p)
                        }
                    }
                }
            }
            // 400 * 20 windows * 8 non-center units = 64,000 draws: the kept share has std ~0.0012.
            assertThat((double) kept / others).isCloseTo(1 - p, within(0.006));
        }
    }

    @Test
    void centersMarkOneUnitPerWindow() {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray centers = CenterPreservingDropout.centers(manager, 2, 2, 3);
            float[] expected = {
                0, 0, 0, 0, 0, 0,
                0, 1, 0, 0, 1, 0,
                0, 0, 0, 0, 0, 0,
                0, 0, 0, 0, 0, 0,
                0, 1, 0, 0, 1, 0,
                0, 0, 0, 0, 0, 0,
            };
            assertThat(centers.toFloatArray()).containsExactly(expected);
        }
    }

    @Test
    void withoutDropoutTheMaskIsAllOnes() {
        try (NDManager manager = NDManager.newBaseManager()) {
            float[] masks =
                    CenterPreservingDropout.sample(manager, 3, 2, 2, 5, 0.0).toFloatArray();
            for (float value : masks) {
                assertThat(value).isEqualTo(1f);
            }
        }
    }
}
