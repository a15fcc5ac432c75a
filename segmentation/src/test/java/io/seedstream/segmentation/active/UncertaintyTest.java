package io.seedstream.segmentation.active;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.seedstream.segmentation.config.SeedStreamConfig;
import java.util.Map;
import org.junit.jupiter.api.Test;

class UncertaintyTest {

    private static final double LN2 = Math.log(2);

    @Test
    void passesThatAgreeCarryNoMutualInformationEvenWhenUnsure() {
        // Both passes say 0.5: H(0.5) - (H(0.5) + H(0.5)) / 2 = 0.
        assertThat(Uncertainty.mutualInformation(new float[][] {{0.5f}, {0.5f}}))
                .isCloseTo(0, within(1e-12));
        // Both certain: 0.
        assertThat(Uncertainty.mutualInformation(new float[][] {{1f, 0f}, {1f, 0f}}))
                .isCloseTo(0, within(1e-12));
    }

    @Test
    void passesThatDisagreeCarryUpToLn2PerClass() {
        // Class 0: passes 0 and 1 -> H(0.5) - 0 = ln 2. Class 1: passes agree at 1 -> 0.
        assertThat(Uncertainty.mutualInformation(new float[][] {{0f, 1f}, {1f, 1f}}))
                .isCloseTo(LN2, within(1e-12));
        // Class 0: passes 0.2 and 0.8 -> H(0.5) - H(0.2) (H(0.2) = H(0.8) = 0.5004024).
        assertThat(Uncertainty.mutualInformation(new float[][] {{0.2f}, {0.8f}}))
                .isCloseTo(LN2 - 0.5004024, within(1e-6));
    }

    @Test
    void meanPixelEntropyAveragesEachPixelsClassEntropy() {
        // Two classes, two pixels (class-major): pixel 0 is (0.5, 0.5) -> ln 2, pixel 1 is (1, 0) -> 0.
        assertThat(Uncertainty.meanPixelEntropy(new float[] {0.5f, 1f, 0.5f, 0f}, 2))
                .isCloseTo(LN2 / 2, within(1e-7));
        // Four equally likely classes at one pixel: ln 4.
        assertThat(Uncertainty.meanPixelEntropy(new float[] {0.25f, 0.25f, 0.25f, 0.25f}, 4))
                .isCloseTo(Math.log(4), within(1e-7));
        assertThatThrownBy(() -> Uncertainty.meanPixelEntropy(new float[3], 2)).hasMessageContaining("do not split");
    }

    @Test
    void mapEntropyWeighsEachClassMapByItsPresence() {
        // One class, two pixels. Pixel 0 holds the map's maximum: background 1 - 1 = 0, entropy 0.
        // Pixel 1 holds half of it: (background 0.5, class 0.5), entropy ln 2. Mean ln 2 / 2.
        assertThat(Uncertainty.mapEntropy(new float[] {4f, 2f}, new float[] {1f}))
                .isCloseTo(LN2 / 2, within(1e-9));
        // The class is present with probability 0.5: pixel 0 becomes (0.5, 0.5), ln 2; pixel 1
        // (0.75, 0.25), 0.562335. A map of a class surely absent counts for nothing.
        assertThat(Uncertainty.mapEntropy(new float[] {4f, 2f}, new float[] {0.5f}))
                .isCloseTo((LN2 + 0.5623351) / 2, within(1e-6));
        assertThat(Uncertainty.mapEntropy(new float[] {4f, 2f}, new float[] {0f}))
                .isCloseTo(0, within(1e-12));
        // Two classes equally strong at one pixel: (0, 0.5, 0.5) normalized, ln 2.
        assertThat(Uncertainty.mapEntropy(new float[] {1f, 1f}, new float[] {1f, 1f}))
                .isCloseTo(LN2, within(1e-9));
    }

    @Test
    void theWeightedPartsCountAMissingSegmenterAsZero() {
        SeedStreamConfig.Active weights = SeedStreamConfig.defaults()
                .with(Map.of(
                        "active.mutualInformationWeight",
                        "2",
                        "active.mapEntropyWeight",
                        "0.5",
                        "active.segmenterEntropyWeight",
                        "3"))
                .active();
        assertThat(Uncertainty.weightedParts(weights, 0.25, 0.5, 0.1)).containsExactly(0.5, 0.25, 0.30000000000000004);
        assertThat(Uncertainty.weightedParts(weights, 0.25, 0.5, Double.NaN)).containsExactly(0.5, 0.25, 0.0);
    }
}
