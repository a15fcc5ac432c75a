package io.seedstream.segmentation.data;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class LabeledImageTest {

    @Test
    void resizingAveragesColoursAndTakesTheCentralMaskValue() {
        // 4 x 2 image: left 2 x 2 block black and white pixels, right block all (10, 20, 30)
        byte[] rgb = new byte[4 * 2 * 3];
        int[][] pixels = {
            {0, 0, 0},
            {255, 255, 255},
            {10, 20, 30},
            {10, 20, 30},
            {255, 255, 255},
            {0, 0, 0},
            {10, 20, 30},
            {10, 20, 30}
        };
        for (int p = 0; p < pixels.length; p++) {
            for (int c = 0; c < 3; c++) {
                rgb[p * 3 + c] = (byte) pixels[p][c];
            }
        }
        byte[] mask = {0, 0, 1, 2, 0, 0, 1, 2};
        LabeledImage half = new LabeledImage("a", 4, 2, rgb, mask, new int[] {1, 2}).resized(2, 1);
        assertThat(half.width()).isEqualTo(2);
        assertThat(half.rgb()).containsExactly((byte) 128, (byte) 128, (byte) 128, (byte) 10, (byte) 20, (byte) 30);
        // the right output pixel's center is source (3, 1): value 2
        assertThat(half.mask()).containsExactly(0, 2);
        assertThat(half.labels()).containsExactly(1, 2);
    }
}
