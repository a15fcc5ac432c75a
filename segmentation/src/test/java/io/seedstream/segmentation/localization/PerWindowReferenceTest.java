package io.seedstream.segmentation.localization;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.seedstream.segmentation.config.SeedStreamConfig;
import io.seedstream.segmentation.nn.Classifier;
import io.seedstream.segmentation.nn.ClassifierArchitecture;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The expanded form and the naive per-window loop compute the same function for the same masks. */
class PerWindowReferenceTest {

    @ParameterizedTest(name = "s={0}, {1}x{2}")
    @CsvSource({"1, 3, 3", "3, 4, 5", "5, 3, 3", "9, 4, 4"})
    void expandedAndPerWindowFormsAgreeOnScoresAndGradCam(int s, int h, int w) {
        try (NDManager manager = NDManager.newBaseManager()) {
            manager.getEngine().setRandomSeed(s * 100 + h);
            ClassifierArchitecture architecture = new ClassifierArchitecture(
                    ClassifierArchitecture.Head.FICKLENET, 3, List.of(4), List.of(1), List.of(1), s);
            try (Classifier model = new Classifier(architecture, manager, 5)) {
                NDArray features = manager.randomNormal(new Shape(1, 4, h, w)).repeat(0, 6);
                NDArray masks = CenterPreservingDropout.sample(manager, 6, h, w, s, 0.5);

                NDArray expanded = model.stochasticLogits(features, masks);
                NDArray perWindow =
                        PerWindowReference.stochasticLogits(features, masks, model.headWeight(), model.headBias());
                assertThat(expanded.getShape()).isEqualTo(new Shape(6, 3));
                assertThat(expanded.allClose(perWindow, 1e-4, 1e-5, false)).isTrue();

                SeedStreamConfig.FickleNet config = SeedStreamConfig.defaults().ficklenet();
                NDArray one = features.get("0:1");
                int[] classes = {0, 2};
                GradCam.Weights[] weights = GradCam.Weights.values();
                var expandedMaps = new StochasticLocalizer(config, StochasticLocalizer.Form.EXPANDED, weights)
                        .passMaps(model, one, masks, classes);
                var perWindowMaps = new StochasticLocalizer(config, StochasticLocalizer.Form.PER_WINDOW, weights)
                        .passMaps(model, one, masks, classes);
                for (int i = 0; i < weights.length; i++) {
                    assertThat(expandedMaps.get(i).getShape()).isEqualTo(new Shape(6, 2, h, w));
                    assertThat(expandedMaps.get(i).allClose(perWindowMaps.get(i), 1e-4, 1e-5, false))
                            .as(weights[i].name())
                            .isTrue();
                    assertThat(expandedMaps.get(i).sum().getFloat()).isGreaterThan(0f);
                }
            }
        }
    }
}
