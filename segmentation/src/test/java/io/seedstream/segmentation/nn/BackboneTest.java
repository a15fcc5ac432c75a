package io.seedstream.segmentation.nn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import org.junit.jupiter.api.Test;

class BackboneTest {

    @Test
    void batchStatisticsAreTheMeanAndBiasedVarianceOverBatchAndPixelsPerChannel() {
        try (NDManager manager = NDManager.newBaseManager(); Parameters params = new Parameters(manager.newSubManager(), 3)) {
            Backbone backbone = new Backbone(params, List.of(1), List.of(1), List.of(1));
            float[] weight = new float[27]; // (1 out, 3 in, 3, 3): 1 at the centre of the red plane copies red
            weight[4] = 1f;
            params.all().get("backbone.0.weight").set(weight);
            // Two 1x2 images; red values 0.5, 0.75 and 0.25, 1.0 -> inputs (x - 0.5) * 4 = 0, 1, -1, 2.
            NDArray images = manager.create(new float[] {0.5f, 0.75f, 0, 0, 0, 0, 0.25f, 1f, 0, 0, 0, 0}, new Shape(2, 3, 1, 2));
            Backbone.BatchStatistics statistics = backbone.trainingForward(images).statistics();
            // Mean of 0, 1, -1, 2 = 0.5; biased variance = (0.25 + 0.25 + 2.25 + 2.25) / 4 = 1.25.
            assertThat(statistics.means().get(0).toFloatArray()[0]).isCloseTo(0.5f, within(1e-6f));
            assertThat(statistics.variances().get(0).toFloatArray()[0]).isCloseTo(1.25f, within(1e-6f));
        }
    }

    @Test
    void imagesNormalizedWithTheirOwnBatchStatisticsGoThroughTheTrainingNetwork() {
        try (NDManager manager = NDManager.newBaseManager(); Parameters params = new Parameters(manager.newSubManager(), 3)) {
            Backbone backbone = new Backbone(params, List.of(4, 6), List.of(2, 1), List.of(1, 2));
            NDArray images = manager.randomUniform(0f, 1f, new Shape(3, 3, 8, 8));
            Backbone.TrainingForward training = backbone.trainingForward(images);
            float[] again = backbone.forward(images, training.statistics()).toFloatArray();
            float[] expected = training.features().toFloatArray();
            for (int i = 0; i < expected.length; i++) {
                assertThat(again[i]).isCloseTo(expected[i], within(1e-4f));
            }
            // The running statistics lag behind: the evaluation network is a different function.
            float[] running = backbone.forward(images, false).toFloatArray();
            assertThat(running).isNotEqualTo(expected);
        }
    }
}
