package io.seedstream.segmentation.localization;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.data.Offset.offset;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The multi-scale and flip sum on a 2 x 2 image whose "network" returns its red channel as the class map. */
class MultiScaleMapsTest {

    /** Red channel [[0, 1], [0, 0]]: the class is in the top-right pixel only. */
    private static NDArray topRight(NDManager manager) {
        float[] chw = new float[12];
        chw[1] = 1f;
        return manager.create(chw, new Shape(1, 3, 2, 2));
    }

    @Test
    void flippedMapsAreFlippedBackBeforeSumming() {
        try (NDManager manager = NDManager.newBaseManager()) {
            // The flipped image's map is [[1, 0], [0, 0]]; flipped back it is the original's, so the
            // sum is [[0, 2], [0, 0]] and divided by its maximum [[0, 1], [0, 0]]. Without the flip
            // back the top row would be [0.5, 0.5].
            float[] maps = new MultiScaleMaps(List.of(1.0), true)
                    .maps(topRight(manager), x -> x.get(":, 0:1"), 2, 2)
                    .toFloatArray();
            assertThat(maps).containsExactly(new float[] {0f, 1f, 0f, 0f}, offset(1e-4f));
        }
    }

    @Test
    void scalesAreResizedToTheTargetAndSummed() {
        try (NDManager manager = NDManager.newBaseManager()) {
            // Red [[1, 0], [1, 0]]. At scale 2 bilinear resizing (half-pixel centers) gives columns
            // [1, 0.75, 0.25, 0]. Shrinking back, the resize filters as PIL does (PyTorch's antialiased
            // bilinear: a triangle twice as wide), giving [0.7857, 0.2143] (checked against PyTorch).
            // Scale 1 adds [1, 0]: sum [1.7857, 0.2143], divided by 1.7857: [1, 0.12].
            float[] chw = {1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0};
            NDArray image = manager.create(chw, new Shape(1, 3, 2, 2));
            float[] maps = new MultiScaleMaps(List.of(1.0, 2.0), false)
                    .maps(image, x -> x.get(":, 0:1"), 2, 2)
                    .toFloatArray();
            assertThat(maps).containsExactly(new float[] {1f, 0.12f, 1f, 0.12f}, offset(1e-3f));
        }
    }

    @Test
    void negativeEvidenceIsRectifiedBeforeSumming() {
        try (NDManager manager = NDManager.newBaseManager()) {
            // The map is -red: all evidence negative, rectified to 0, and 0 stays 0 after the division.
            float[] maps = new MultiScaleMaps(List.of(1.0, 0.5), true)
                    .maps(topRight(manager), x -> x.get(":, 0:1").neg(), 2, 2)
                    .toFloatArray();
            assertThat(maps).containsOnly(0f);
        }
    }

    @Test
    void refusesNoScales() {
        assertThatThrownBy(() -> new MultiScaleMaps(List.of(), true)).hasMessageContaining("positive scales");
        assertThatThrownBy(() -> new MultiScaleMaps(List.of(1.0, 0.0), true)).hasMessageContaining("positive scales");
    }
}
