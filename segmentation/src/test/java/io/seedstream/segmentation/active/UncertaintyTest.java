package io.seedstream.segmentation.active;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class UncertaintyTest {

    private static final double LN2 = Math.log(2);

    @Test
    void passesThatAgreeCarryNoMutualInformationEvenWhenUnsure() {
        // Both passes say 0.5: H(0.5) - (H(0.5) + H(0.5)) / 2 = 0.
        assertThat(Uncertainty.mutualInformation(new float[][] {{0.5f}, {0.5f}})).isCloseTo(0, within(1e-12));
        // Both certain: 0.
        assertThat(Uncertainty.mutualInformation(new float[][] {{1f, 0f}, {1f, 0f}})).isCloseTo(0, within(1e-12));
    }

    @Test
    void passesThatDisagreeCarryUpToLn2PerClass() {
        // Class 0: passes 0 and 1 -> H(0.5) - 0 = ln 2. Class 1: passes agree at 1 -> 0.
        assertThat(Uncertainty.mutualInformation(new float[][] {{0f, 1f}, {1f, 1f}})).isCloseTo(LN2, within(1e-12));
        // Class 0: passes 0.2 and 0.8 -> H(0.5) - H(0.2) (H(0.2) = H(0.8) = 0.5004024).
        assertThat(Uncertainty.mutualInformation(new float[][] {{0.2f}, {0.8f}}))
                .isCloseTo(LN2 - 0.5004024, within(1e-6));
    }

    @Test
    void meanPixelEntropyAveragesEachPixelsClassEntropy() {
        // Two classes, two pixels (class-major): pixel 0 is (0.5, 0.5) -> ln 2, pixel 1 is (1, 0) -> 0.
        assertThat(Uncertainty.meanPixelEntropy(new float[] {0.5f, 1f, 0.5f, 0f}, 2)).isCloseTo(LN2 / 2, within(1e-7));
        // Four equally likely classes at one pixel: ln 4.
        assertThat(Uncertainty.meanPixelEntropy(new float[] {0.25f, 0.25f, 0.25f, 0.25f}, 4)).isCloseTo(Math.log(4), within(1e-7));
        assertThatThrownBy(() -> Uncertainty.meanPixelEntropy(new float[3], 2)).hasMessageContaining("do not split");
    }
}
