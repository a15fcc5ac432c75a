package io.seedstream.segmentation.localization;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.seedstream.segmentation.nn.Ops;
import org.junit.jupiter.api.Test;

class GradCamTest {

    /*
     * Features, k = 2 channels on 1 x 2 pixels: channel 0 = [1, -1], channel 1 = [2, 0].
     * Head: logit_c = mean over pixels of (W_c . f) + b with W = [[1, 0.5], [-1, 1]].
     * d logit_c / d f_k(u) = W_ck / 2, so Grad-CAM_c = ReLU(sum_k W_ck / 2 * f_k):
     *   class 0: ReLU([1*1 + 0.5*2, 1*(-1) + 0.5*0] / 2) = [1, 0]
     *   class 1: ReLU([-1*1 + 1*2, -1*(-1) + 1*0] / 2) = [0.5, 0.5]
     */
    @Test
    void gradCamOfAPooledLinearHeadIsItsClassActivationMap() {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray features = manager.create(new float[] {1, -1, 2, 0}, new Shape(1, 2, 1, 2))
                    .repeat(0, 2);
            NDArray weight = manager.create(new float[] {1, 0.5f, -1, 1}, new Shape(2, 2, 1, 1));
            NDArray bias = manager.create(new float[] {0.3f, -0.2f});
            NDArray maps = GradCam.maps(
                    features,
                    x -> Ops.spatialMean(Ops.conv(x, weight, null, 1, 0, 1)).add(bias),
                    new int[] {0, 1});
            assertThat(maps.getShape()).isEqualTo(new Shape(2, 1, 2));
            float[] values = maps.toFloatArray();
            assertThat(values[0]).isCloseTo(1f, within(1e-6f));
            assertThat(values[1]).isCloseTo(0f, within(1e-6f));
            assertThat(values[2]).isCloseTo(0.5f, within(1e-6f));
            assertThat(values[3]).isCloseTo(0.5f, within(1e-6f));
        }
    }
}
