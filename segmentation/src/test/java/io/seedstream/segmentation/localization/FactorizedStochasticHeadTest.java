package io.seedstream.segmentation.localization;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.seedstream.segmentation.config.SeedStreamConfig;
import io.seedstream.segmentation.nn.Classifier;
import io.seedstream.segmentation.nn.ClassifierArchitecture;
import io.seedstream.segmentation.nn.Ops;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The factorized head against a hand-worked case, and against the expanded form for the same masks. */
class FactorizedStochasticHeadTest {

    /**
     * One channel, x = [2, 3] (1 x 2), s = 3, one class whose kernel is 1 on its middle row. The
     * middle row of the masks, window (0, 0) then (0, 1): [2, 1, 0 | 2, 1, 2] (centers 1; window
     * (0, 0) drops its right neighbour). Other rows only see padding.
     * score = 1/2 (1 x 2 + 0 x 3 + 2 x 2 + 1 x 3) = 4.5; d score / d x = [(1 + 2) / 2, (0 + 1) / 2] =
     * [1.5, 0.5], so alpha = mean = 1, the Grad-CAM map [2, 3], the per-pixel map [3, 1.5].
     */
    @Test
    void aHandWorkedPass() {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray x = manager.create(new float[] {2, 3}, new Shape(1, 1, 1, 2));
            NDArray weight = manager.create(new float[] {0, 0, 0, 1, 1, 1, 0, 0, 0}, new Shape(1, 1, 3, 3));
            NDArray masks = manager.create(
                    new float[] {
                        2, 2, 2, 2, 2, 2,
                        2, 1, 0, 2, 1, 2,
                        2, 2, 2, 2, 2, 2
                    },
                    new Shape(1, 1, 3, 6));
            FactorizedStochasticHead head = new FactorizedStochasticHead(x, weight, new int[] {0}, true);
            assertThat(head.scores(masks).toFloatArray()).containsExactly(4.5f);
            assertThat(head.channelWeights(masks).toFloatArray()).containsExactly(1f);
            assertThat(head.channelMaps(masks).toFloatArray()).containsExactly(2f, 3f);
            assertThat(head.pixelMaps(masks).toFloatArray()).containsExactly(3f, 1.5f);
        }
    }

    @ParameterizedTest(name = "s={0}, {1}x{2}, p={3}")
    @CsvSource({
        "1, 3, 3, 0.5",
        "3, 4, 5, 0.5",
        "3, 1, 6, 0.9",
        "5, 3, 3, 0.5",
        "5, 2, 7, 0.9",
        "9, 4, 4, 0.5",
        "9, 6, 3, 0.9"
    })
    void sameScoresGradCamWeightsAndMapsAsTheExpandedForm(int s, int h, int w, double p) {
        try (NDManager manager = NDManager.newBaseManager()) {
            manager.getEngine().setRandomSeed(s * 100 + h * 10 + w);
            int n = 6;
            ClassifierArchitecture architecture = new ClassifierArchitecture(
                    ClassifierArchitecture.Head.FICKLENET, 4, List.of(5), List.of(1), List.of(1), s);
            try (Classifier model = new Classifier(architecture, manager, 7)) {
                NDArray features = manager.randomNormal(new Shape(1, 5, h, w));
                NDArray masks = CenterPreservingDropout.sample(manager, n, h, w, s, p);
                int[] classes = {3, 1};
                FactorizedStochasticHead head =
                        new FactorizedStochasticHead(features, model.headWeight(), classes, true);

                NDArray expandedScores = model.stochasticLogits(features.repeat(0, n), masks);
                NDArray factorizedScores =
                        head.scores(masks).add(Ops.channels(model.headBias().expandDims(0), classes));
                assertClose("scores", factorizedScores, Ops.channels(expandedScores, classes));

                for (int i = 0; i < classes.length; i++) {
                    int[] target = new int[n];
                    Arrays.fill(target, classes[i]);
                    NDArray gradient =
                            GradCam.gradient(features.repeat(0, n), x -> model.stochasticLogits(x, masks), target);
                    assertClose(
                            "Grad-CAM weights of class " + classes[i],
                            head.channelWeights(masks).get(":, {}, :", i),
                            Ops.spatialMean(gradient));
                }

                SeedStreamConfig.FickleNet config = SeedStreamConfig.defaults().ficklenet();
                GradCam.Weights[] weights = GradCam.Weights.values();
                List<NDArray> expanded = new StochasticLocalizer(config, StochasticLocalizer.Form.EXPANDED, weights)
                        .passMaps(model, features, masks, classes);
                List<NDArray> factorized = new StochasticLocalizer(config, StochasticLocalizer.Form.FACTORIZED, weights)
                        .passMaps(model, features, masks, classes);
                for (int i = 0; i < weights.length; i++) {
                    assertThat(factorized.get(i).getShape()).isEqualTo(new Shape(n, 2, h, w));
                    assertClose(weights[i] + " maps", factorized.get(i), expanded.get(i));
                }
            }
        }
    }

    /** Within 1e-4 of the reference's largest magnitude (float32 sums in different orders). */
    private static void assertClose(String what, NDArray actual, NDArray expected) {
        assertThat(actual.getShape()).as(what).isEqualTo(expected.getShape());
        float scale = expected.abs().max().getFloat();
        float error = actual.sub(expected).abs().max().getFloat();
        assertThat(scale).as(what + " is not all zero").isGreaterThan(0f);
        assertThat(error)
                .as(what + ": largest difference against the largest value " + scale)
                .isLessThanOrEqualTo(1e-4f * scale);
    }
}
