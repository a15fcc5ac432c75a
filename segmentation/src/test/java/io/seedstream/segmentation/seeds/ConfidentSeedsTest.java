package io.seedstream.segmentation.seeds;

import static org.assertj.core.api.Assertions.assertThat;

import io.seedstream.segmentation.config.SeedStreamConfig;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

/** The two-threshold seed rule on maps whose labellings are worked out by hand (CRF off; the CRF has its own test). */
class ConfidentSeedsTest {

    private static final int U = ConfidentSeeds.UNSEEDED;
    private static final byte[] RGB_1X5 = new byte[15];

    private static ConfidentSeeds irn() { // IRN's 0.30 / 0.05
        return new ConfidentSeeds(SeedStreamConfig.defaults()
                .with("seeds.crf", false)
                .with("seeds.foregroundThreshold", 0.30)
                .with("seeds.backgroundThreshold", 0.05)
                .seeds());
    }

    @Test
    void theBandBetweenTheThresholdsIsIgnored() {
        // One class (id 2) along a 1 x 5 row. Foreground labelling (background scores 0.30): 2 2 bg bg bg;
        // background labelling (0.05): 2 2 2 bg bg.
        float[] map = {0.9f, 0.31f, 0.25f, 0.04f, 0f};
        assertThat(irn().seeds(map, new int[] {2}, 0, RGB_1X5, 5, 1)).containsExactly(2, 2, U, 0, 0);
    }

    @Test
    void theStrongerClassWinsAndTheForegroundLabellingDecidesTheClass() {
        // Class 1: 0.8 0.5 0.1 0.02; class 3: 0.6 0.7 0.2 0.01. Foreground labelling: 1 3 bg bg;
        // background labelling: 1 3 3 bg.
        float[] maps = {0.8f, 0.5f, 0.1f, 0.02f, 0.6f, 0.7f, 0.2f, 0.01f};
        assertThat(irn().seeds(maps, new int[] {1, 3}, 0, new byte[12], 4, 1)).containsExactly(1, 3, U, 0);
    }

    @Test
    void withoutABackgroundClassOnlyForegroundIsSeeded() {
        float[] map = {0.9f, 0.31f, 0.25f, 0.04f, 0f};
        assertThat(irn().seeds(map, new int[] {2}, -1, RGB_1X5, 5, 1)).containsExactly(2, 2, U, U, U);
    }

    @Test
    void anImageWithoutClassesIsAllBackground() {
        assertThat(irn().seeds(new float[0], new int[0], 0, RGB_1X5, 5, 1)).containsOnly(0);
        assertThat(irn().seeds(new float[0], new int[0], -1, RGB_1X5, 5, 1)).containsOnly(U);
    }

    @Test
    void theEvaluationRuleIsADenseArgmaxAgainstTheBackgroundConstant() {
        float[] maps = {0.8f, 0.5f, 0.1f, 0.6f, 0.7f, 0.2f};
        assertThat(ConfidentSeeds.argmaxWithBackground(maps, new int[] {1, 3}, 0, 0.15))
                .containsExactly(1, 3, 3);
        assertThat(ConfidentSeeds.argmaxWithBackground(maps, new int[] {1, 3}, 0, 0.65))
                .containsExactly(1, 3, 0);
        assertThat(ConfidentSeeds.argmaxWithBackground(maps, new int[] {1, 3}, -1, 0.65))
                .containsExactly(1, 3, U);
    }

    @Test
    void theCrfSxyScalesWithTheImage() {
        // sxy 50 and 3 are for VOC's 500-pixel side: at 100 pixels a fifth.
        LabelCrf.Settings settings =
                new ConfidentSeeds(SeedStreamConfig.defaults().seeds()).crfSettings(100, 60);
        assertThat(settings.bilateralSxy()).isEqualTo(10.0, Offset.offset(1e-9));
        assertThat(settings.gaussianSxy()).isEqualTo(0.6, Offset.offset(1e-9));
        assertThat(settings.bilateralSrgb()).isEqualTo(13.0);
    }
}
