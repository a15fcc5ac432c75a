package io.seedstream.segmentation.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class WorkingSizeTest {

    @Test
    void theShorterSideGetsTheWorkingSideAndTheAspectRatioStays() {
        assertThat(WorkingSize.of(480, 360, 96)).isEqualTo(new WorkingSize(128, 96)); // CamVid
        assertThat(WorkingSize.of(360, 480, 96)).isEqualTo(new WorkingSize(96, 128)); // portrait
        assertThat(WorkingSize.of(2048, 1536, 321)).isEqualTo(new WorkingSize(428, 321)); // 2048 * 321 / 1536 = 428.0
        assertThat(WorkingSize.of(500, 375, 321)).isEqualTo(new WorkingSize(428, 321)); // 427.99... rounds up
        assertThat(WorkingSize.of(40, 30, 96)).isEqualTo(new WorkingSize(128, 96)); // small images grow
        assertThat(WorkingSize.of(96, 96, 96)).isEqualTo(new WorkingSize(96, 96));
    }

    @Test
    void anImageLongerThanFourToOneIsBoundedByItsLongerSide() {
        assertThat(WorkingSize.of(384, 96, 96)).isEqualTo(new WorkingSize(384, 96)); // 4:1 exactly
        assertThat(WorkingSize.of(480, 100, 96)).isEqualTo(new WorkingSize(384, 80)); // 480 * 384 / 480, 100 * 0.8
        assertThat(WorkingSize.of(1, 2048, 96)).isEqualTo(new WorkingSize(1, 384)); // not 96 x 196,608
    }

    @Test
    void anImageAtItsWorkingSizeIsKeptAsItIs() {
        LabeledImage square = new LabeledImage("a", 4, 4, new byte[48], new byte[16], new int[0]);
        assertThat(WorkingSize.scale(square, 4)).isSameAs(square);
        LabeledImage wide = new LabeledImage("b", 8, 4, new byte[96], new byte[32], new int[0]);
        LabeledImage scaled = WorkingSize.scale(wide, 2);
        assertThat(scaled.width()).isEqualTo(4);
        assertThat(scaled.height()).isEqualTo(2);
        assertThat(scaled.mask()).hasSize(8);
    }

    @Test
    void anEmptyImageIsRefused() {
        assertThatThrownBy(() -> WorkingSize.of(0, 10, 96)).hasMessageContaining("empty");
    }
}
