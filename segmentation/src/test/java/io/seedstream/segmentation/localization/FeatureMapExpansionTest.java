package io.seedstream.segmentation.localization;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.seedstream.segmentation.nn.Ops;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

class FeatureMapExpansionTest {

    @Test
    void expandsEachWindowIntoItsOwnBlock() {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray x = manager.create(new float[] {1, 2, 3, 4}, new Shape(1, 1, 2, 2));
            // x zero-padded by 1 is 4x4; block (i, j) of E is the 3x3 window of x_p at (i, j).
            float[] expected = {
                0, 0, 0, 0, 0, 0,
                0, 1, 2, 1, 2, 0,
                0, 3, 4, 3, 4, 0,
                0, 1, 2, 1, 2, 0,
                0, 3, 4, 3, 4, 0,
                0, 0, 0, 0, 0, 0,
            };
            NDArray expanded = FeatureMapExpansion.expand(x, 3);
            assertThat(expanded.getShape()).isEqualTo(new Shape(1, 1, 6, 6));
            assertThat(expanded.toFloatArray()).containsExactly(expected);
        }
    }

    @Test
    void windowCentersHoldTheFeatureOfTheirPosition() {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray x = manager.arange(24f).reshape(1, 2, 3, 4);
            int s = 5;
            NDArray expanded = FeatureMapExpansion.expand(x, s);
            assertThat(expanded.getShape()).isEqualTo(new Shape(1, 2, 15, 20));
            for (int k = 0; k < 2; k++) {
                for (int i = 0; i < 3; i++) {
                    for (int j = 0; j < 4; j++) {
                        float center = expanded.getFloat(0, k, i * s + 2, j * s + 2);
                        assertThat(center).isEqualTo(x.getFloat(0, k, i, j));
                    }
                }
            }
        }
    }

    @Test
    void strideSConvolutionOverTheExpansionIsTheSamePaddedConvolution() {
        try (NDManager manager = NDManager.newBaseManager()) {
            manager.getEngine().setRandomSeed(3);
            NDArray x = manager.randomNormal(new Shape(2, 4, 5, 6));
            NDArray weight = manager.randomNormal(new Shape(3, 4, 3, 3));
            NDArray viaExpansion = Ops.conv(FeatureMapExpansion.expand(x, 3), weight, null, 3, 0, 1);
            NDArray direct = Ops.conv(x, weight, null, 1, 1, 1);
            assertThat(viaExpansion.getShape()).isEqualTo(new Shape(2, 3, 5, 6));
            assertThat(viaExpansion.allClose(direct, 1e-5, 1e-5, false)).isTrue();
        }
    }

    /** fold is the adjoint of expand: <expand(x), g> = <x, fold(g)> for any x and g. */
    @Test
    void foldIsTheAdjointOfExpand() {
        try (NDManager manager = NDManager.newBaseManager()) {
            manager.getEngine().setRandomSeed(9);
            for (int s : new int[] {1, 3, 5}) {
                NDArray x = manager.randomNormal(new Shape(2, 3, 4, 5));
                NDArray g = manager.randomNormal(new Shape(2, 3, 4 * s, 5 * s));
                float left = FeatureMapExpansion.expand(x, s).mul(g).sum().getFloat();
                float right = x.mul(FeatureMapExpansion.fold(g, s)).sum().getFloat();
                assertThat(right).as("s=" + s).isCloseTo(left, Offset.offset(1e-3f * Math.abs(left) + 1e-4f));
            }
            // By hand, s = 3 on a 1 x 2 map: each pixel is copied twice, as the center of its own
            // window and as a neighbour in the other pixel's window, so ones fold to 2 each.
            NDArray ones = manager.ones(new Shape(1, 1, 3, 6));
            assertThat(FeatureMapExpansion.fold(ones, 3).toFloatArray()).containsExactly(2f, 2f);
        }
    }
}
