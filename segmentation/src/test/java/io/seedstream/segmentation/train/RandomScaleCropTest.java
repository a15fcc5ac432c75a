package io.seedstream.segmentation.train;

import static org.assertj.core.api.Assertions.assertThat;

import io.seedstream.segmentation.data.ClassList;
import io.seedstream.segmentation.data.LabeledImage;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class RandomScaleCropTest {

    private static final byte G = RandomScaleCrop.PAD_GREY;
    private static final byte I = (byte) ClassList.IGNORE;

    /** Hands out the given offsets, in order, for the crop's window draws. */
    private static Random offsets(int... values) {
        Deque<Integer> queue = new ArrayDeque<>();
        for (int value : values) {
            queue.add(value);
        }
        return new Random() {
            @Override
            public int nextInt(int bound) {
                int value = queue.remove();
                assertThat(value).isLessThan(bound);
                return value;
            }
        };
    }

    /** A w x h image whose pixel (x, y) has the grey value 10 y + x, and mask (and pseudo-label) the same. */
    private static StreamingTrainer.Sample numbered(int width, int height) {
        byte[] rgb = new byte[width * height * 3];
        byte[] mask = new byte[width * height];
        for (int p = 0; p < mask.length; p++) {
            mask[p] = (byte) (10 * (p / width) + p % width);
            rgb[3 * p] = rgb[3 * p + 1] = rgb[3 * p + 2] = mask[p];
        }
        return new StreamingTrainer.Sample(
                new LabeledImage("n", width, height, rgb, mask, new int[] {1}), mask.clone(), 7);
    }

    private static byte[] red(LabeledImage image) {
        byte[] red = new byte[image.width() * image.height()];
        for (int p = 0; p < red.length; p++) {
            red[p] = image.rgb()[3 * p];
        }
        return red;
    }

    @Test
    void aLargerImageGivesTheWindowAtTheDrawnPlace() {
        // 5 x 4 into 2 x 2: x from 0..3 (drawn 3), y from 0..2 (drawn 1): pixels x 3..4 of rows 1..2
        StreamingTrainer.Sample crop = new RandomScaleCrop(2, List.of(1.0, 1.0)).apply(numbered(5, 4), offsets(3, 1));
        byte[] expected = {13, 14, 23, 24};
        assertThat(red(crop.image())).containsExactly(expected);
        assertThat(crop.image().mask()).containsExactly(expected);
        assertThat(crop.pseudoLabel()).containsExactly(expected);
        assertThat(crop.image().labels()).containsExactly(1);
        assertThat(crop.timestampMs()).isEqualTo(7);
    }

    @Test
    void aSmallerImageLiesAtTheDrawnPlaceInGreyWhoseLabelsAreIgnored() {
        // 3 x 2 into 4 x 4: placed at x 0..1 (drawn 1), y 0..2 (drawn 2): rows 2..3, columns 1..3
        StreamingTrainer.Sample crop = new RandomScaleCrop(4, List.of(1.0, 1.0)).apply(numbered(3, 2), offsets(1, 2));
        assertThat(red(crop.image())).containsExactly(G, G, G, G, G, G, G, G, G, 0, 1, 2, G, 10, 11, 12);
        assertThat(crop.image().mask()).containsExactly(I, I, I, I, I, I, I, I, I, 0, 1, 2, I, 10, 11, 12);
        assertThat(crop.pseudoLabel()).containsExactly(crop.image().mask());
    }

    @Test
    void rescalingComesBeforeTheCrop() {
        // 4 x 4 at 0.5 is 2 x 2 (each pixel the mean of a 2 x 2 block; labels the block's lower right), the crop's size
        StreamingTrainer.Sample crop = new RandomScaleCrop(2, List.of(0.5, 0.5)).apply(numbered(4, 4), offsets());
        assertThat(red(crop.image())).containsExactly(6, 8, 26, 28); // (0 + 1 + 10 + 11) / 4 = 5.5 rounds to 6
        assertThat(crop.image().mask()).containsExactly(11, 13, 31, 33);
        assertThat(crop.pseudoLabel()).containsExactly(11, 13, 31, 33);
    }

    @Test
    void aSampleOfTheCropsSizeIsTrainedOnAsItIsAndAMissingLabelStaysMissing() {
        StreamingTrainer.Sample whole = numbered(3, 3);
        assertThat(new RandomScaleCrop(3, List.of(1.0, 1.0)).apply(whole, offsets()))
                .isSameAs(whole);

        LabeledImage unmasked = new LabeledImage("u", 1, 1, new byte[] {5, 5, 5}, null, new int[0]);
        StreamingTrainer.Sample crop = new RandomScaleCrop(2, List.of(1.0, 1.0))
                .apply(new StreamingTrainer.Sample(unmasked, null, 0), offsets(0, 1));
        assertThat(crop.image().mask()).isNull();
        assertThat(crop.pseudoLabel()).isNull();
        assertThat(red(crop.image())).containsExactly(G, G, 5, G);
    }
}
