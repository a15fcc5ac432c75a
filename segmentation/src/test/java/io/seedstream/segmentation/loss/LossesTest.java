package io.seedstream.segmentation.loss;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;

class LossesTest {

    @Test
    void bceMatchesTheFormula() {
        try (NDManager manager = NDManager.newBaseManager()) {
            // logit 0, target 1: log 2 = 0.693147; logit 2, target 0: 2 + log(1 + e^-2) = 2.126928
            NDArray logits = manager.create(new float[] {0, 2}, new Shape(1, 2));
            NDArray targets = manager.create(new float[] {1, 0}, new Shape(1, 2));
            assertThat(MultiLabelLoss.bce(logits, targets).getFloat())
                    .isCloseTo((0.693147f + 2.126928f) / 2, within(1e-5f));
            // a huge logit neither overflows nor loses the value: logit 100, target 0 -> 100
            NDArray big = manager.create(new float[] {100}, new Shape(1, 1));
            assertThat(MultiLabelLoss.bce(big, manager.zeros(new Shape(1, 1))).getFloat())
                    .isCloseTo(100f, within(1e-3f));
        }
    }

    @Test
    void reCamSoftmaxCrossEntropyCountsOnlyPresentClasses() {
        try (NDManager manager = NDManager.newBaseManager()) {
            // f_0 scores [2, 0]: -log softmax[0] = log(1 + e^-2) = 0.126928; f_1 scores [1, 1]: log 2 = 0.693147
            NDArray logits = manager.create(new float[] {2, 0, 1, 1}, new Shape(1, 2, 2));
            NDArray onlyFirst = manager.create(new float[] {1, 0}, new Shape(1, 2));
            NDArray both = manager.create(new float[] {1, 1}, new Shape(1, 2));
            assertThat(ReCamLoss.softmaxCrossEntropy(logits, onlyFirst).getFloat())
                    .isCloseTo(0.126928f, within(1e-5f));
            assertThat(ReCamLoss.softmaxCrossEntropy(logits, both).getFloat())
                    .isCloseTo((0.126928f + 0.693147f) / 2, within(1e-5f));
        }
    }

    @Test
    void gainSoftMaskErasesTheAttendedRegion() {
        try (NDManager manager = NDManager.newBaseManager()) {
            // sigma 0.5, omega 10: A = 0.5 -> 0.5; A = 0.6 -> sigmoid(1) = 0.731059; A = 0 -> sigmoid(-5) = 0.006693
            NDArray mask = AttentionMiningLoss.softMask(manager.create(new float[] {0.5f, 0.6f, 0f}), 0.5, 10);
            assertThat(mask.toFloatArray()).containsExactly(new float[] {0.5f, 0.731059f, 0.006693f}, within(1e-5f));
            // I* = I - T(A) I: 0.8 with T = 0.25 -> 0.6
            NDArray erased =
                    AttentionMiningLoss.erase(manager.create(new float[] {0.8f}), manager.create(new float[] {0.25f}));
            assertThat(erased.getFloat()).isCloseTo(0.6f, within(1e-6f));
        }
    }

    @Test
    void attentionMiningLossIsTheMeanScoreOfTheErasedClass() {
        try (NDManager manager = NDManager.newBaseManager()) {
            // image 0 erased for class 0 (logit 0 -> 0.5), image 1 for class 1 (logit ln 3 -> 0.75)
            NDArray logits = manager.create(new float[] {0, 5, 7, (float) Math.log(3)}, new Shape(2, 2));
            NDArray classes = manager.create(new float[] {1, 0, 0, 1}, new Shape(2, 2));
            assertThat(AttentionMiningLoss.loss(logits, classes).getFloat()).isCloseTo(0.625f, within(1e-5f));
            // GAINext: attention [0.5, 1] against mask [1, 1] -> mean of [0.25, 0] = 0.125
            NDArray extension = AttentionMiningLoss.extensionLoss(
                    manager.create(new float[] {0.5f, 1f}), manager.create(new float[] {1f, 1f}));
            assertThat(extension.getFloat()).isCloseTo(0.125f, within(1e-6f));
        }
    }
}
