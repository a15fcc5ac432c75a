package io.seedstream.segmentation.nn;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import org.junit.jupiter.api.Test;

class BackboneTest {

    @Test
    void theFrozenPassIsTheInferencePassAndTrainsOnlyTheConvolutions() {
        try (NDManager manager = NDManager.newBaseManager();
                Parameters params = new Parameters(manager.newSubManager(), 3)) {
            Backbone backbone = new Backbone(params, List.of(4, 6), List.of(2, 1), List.of(1, 2));
            NDArray images = manager.randomUniform(0f, 1f, new Shape(3, 3, 8, 8));
            backbone.forward(images, true); // running statistics that are not the initial ones
            float[] inference = backbone.forward(images, false).toFloatArray();
            try (Autograd.Recording recording = Autograd.record()) {
                NDArray frozen = backbone.frozenForward(images);
                assertThat(frozen.toFloatArray())
                        .usingComparatorWithPrecision(1e-6f)
                        .containsExactly(inference);
                recording.backward(frozen.sum());
            }
            assertThat(params.all()
                            .get("backbone.0.weight")
                            .getGradient()
                            .abs()
                            .sum()
                            .getFloat())
                    .isPositive();
            for (String name : List.of("backbone.0.gamma", "backbone.0.beta", "backbone.1.gamma", "backbone.1.beta")) {
                NDArray parameter = params.all().get(name);
                assertThat(
                                parameter.hasGradient()
                                        ? parameter.getGradient().abs().sum().getFloat()
                                        : 0f)
                        .as(name)
                        .isZero();
            }
        }
    }
}
