package io.seedstream.segmentation.loss;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.seedstream.segmentation.config.SeedStreamConfig;
import io.seedstream.segmentation.nn.Autograd;
import org.junit.jupiter.api.Test;

class SegmenterLossesTest {

    @Test
    void balancedSeedLossAveragesForegroundAndBackgroundSeparately() {
        try (NDManager manager = NDManager.newBaseManager()) {
            // 2 classes (0 = background), 3 pixels: seeds bg, fg, bg; log-probabilities of the seeded
            // classes log 0.5, log 0.8, log 0.25 (the other channel's values must not matter)
            NDArray logProbs = manager.create(new float[] {
                (float) Math.log(0.5), -9f, (float) Math.log(0.25),
                -9f, (float) Math.log(0.8), -9f}, new Shape(1, 2, 1, 3));
            NDArray seeds = manager.create(new float[] {1, 0, 1, 0, 1, 0}, new Shape(1, 2, 1, 3));
            // plain: (0.693147 + 0.223144 + 1.386294) / 3 = 0.767528
            assertThat(BalancedSeedLoss.crossEntropy(logProbs, seeds).getFloat()).isCloseTo(0.767528f, within(1e-5f));
            // balanced: 0.223144 + (0.693147 + 1.386294) / 2 = 1.262865
            assertThat(BalancedSeedLoss.balanced(logProbs, seeds, 0).getFloat()).isCloseTo(1.262865f, within(1e-5f));
            // nothing seeded: no loss, no NaN
            assertThat(BalancedSeedLoss.balanced(logProbs, seeds.zerosLike(), 0).getFloat()).isEqualTo(0f);
        }
    }

    /** One mean-field iteration, 3 x 3 window, spatial kernel only: k = exp(-1/2) = 0.606531 for a horizontal neighbour. */
    private static SeedStreamConfig.Boundary spatialOnly(int iterations) {
        return new SeedStreamConfig.Boundary(iterations, 1, 1.0, 1.0, 0.0, 1.0, 0.1, 1.0);
    }

    @Test
    void meanFieldPullsAnUncertainPixelTowardItsNeighbour() {
        try (NDManager manager = NDManager.newBaseManager()) {
            // two pixels side by side: P0 = (0.8, 0.2), P1 = (0.5, 0.5); both black
            NDArray logProbs = manager.create(new float[] {0.8f, 0.5f, 0.2f, 0.5f}, new Shape(1, 2, 1, 2)).log();
            NDArray images = manager.zeros(new Shape(1, 3, 1, 2));
            // Q1 = softmax(log 0.5 + k 0.8, log 0.5 + k 0.2): sigmoid(0.6 k) = sigmoid(0.363919) = 0.589988;
            // Q0 = softmax(log P0 + k 0.5 (1, 1)) = P0
            float[] q = new BoundaryLoss(spatialOnly(1)).meanField(logProbs, images).toFloatArray();
            assertThat(q).usingComparatorWithPrecision(1e-5f).containsExactly(0.8f, 0.589988f, 0.2f, 0.410012f);
            // a second iteration: Q0 = sigmoid(log 4 + k (0.589988 - 0.410012)) = sigmoid(1.495455) = 0.816896
            float[] q2 = new BoundaryLoss(spatialOnly(2)).meanField(logProbs, images).toFloatArray();
            assertThat(q2[0]).isCloseTo(0.816896f, within(1e-5f));
            // the loss: mean over pixels of KL(Q || P) = (0 + 0.589988 ln(1.179976) + 0.410012 ln(0.820024)) / 2
            float kl = (float) ((0.589988 * Math.log(0.589988 / 0.5) + 0.410012 * Math.log(0.410012 / 0.5)) / 2);
            assertThat(new BoundaryLoss(spatialOnly(1)).loss(logProbs, images).getFloat()).isCloseTo(kl, within(1e-6f));
        }
    }

    @Test
    void boundaryGradientFlowsOnlyThroughTheSegmenterDistribution() {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray logProbs = manager.create(new float[] {0.8f, 0.5f, 0.2f, 0.5f}, new Shape(1, 2, 1, 2)).log();
            logProbs.setRequiresGradient(true);
            NDArray images = manager.zeros(new Shape(1, 3, 1, 2));
            try (Autograd.Recording recording = Autograd.record()) {
                recording.backward(new BoundaryLoss(spatialOnly(1)).loss(logProbs, images));
            }
            // Q is a fixed target: d/d log P of mean KL(Q || P) = -Q / pixels, with Q from the test above
            assertThat(logProbs.getGradient().toFloatArray()).usingComparatorWithPrecision(1e-5f)
                    .containsExactly(-0.4f, -0.294994f, -0.1f, -0.205006f);
        }
    }

    @Test
    void bilateralKernelWeakensAcrossColourEdges() {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray logProbs = manager.create(new float[] {0.8f, 0.5f, 0.2f, 0.5f}, new Shape(1, 2, 1, 2)).log();
            // bilateral only, sigma_c = 0.1, red differs by 0.1: k = exp(-1/2) exp(-0.01 / 0.02) = 0.367879
            SeedStreamConfig.Boundary bilateral = new SeedStreamConfig.Boundary(1, 1, 0.0, 1.0, 1.0, 1.0, 0.1, 1.0);
            NDArray images = manager.create(new float[] {0f, 0.1f, 0f, 0f, 0f, 0f}, new Shape(1, 3, 1, 2));
            // Q1 = sigmoid(0.6 k) = sigmoid(0.220728) = 0.554959
            float[] q = new BoundaryLoss(bilateral).meanField(logProbs, images).toFloatArray();
            assertThat(q[1]).isCloseTo(0.554959f, within(1e-5f));
        }
    }
}
