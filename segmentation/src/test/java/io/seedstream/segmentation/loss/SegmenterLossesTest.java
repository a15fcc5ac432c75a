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
            NDArray logProbs = manager.create(
                    new float[] {(float) Math.log(0.5), -9f, (float) Math.log(0.25), -9f, (float) Math.log(0.8), -9f},
                    new Shape(1, 2, 1, 3));
            NDArray seeds = manager.create(new float[] {1, 0, 1, 0, 1, 0}, new Shape(1, 2, 1, 3));
            // plain: (0.693147 + 0.223144 + 1.386294) / 3 = 0.767528
            assertThat(BalancedSeedLoss.crossEntropy(logProbs, seeds).getFloat())
                    .isCloseTo(0.767528f, within(1e-5f));
            // balanced: 0.223144 + (0.693147 + 1.386294) / 2 = 1.262865
            assertThat(BalancedSeedLoss.balanced(logProbs, seeds, 0).getFloat()).isCloseTo(1.262865f, within(1e-5f));
            // nothing seeded: no loss, no NaN
            assertThat(BalancedSeedLoss.balanced(logProbs, seeds.zerosLike(), 0).getFloat())
                    .isEqualTo(0f);
        }
    }

    @Test
    void theSoftmaxIsFlooredAtDsrgsMinimumAndRenormalised() {
        try (NDManager manager = NDManager.newBaseManager()) {
            // logits (0, -1000): softmax (1, 0); + 1e-4 -> (1.0001, 0.0001) / 1.0002
            float[] p = BoundaryLoss.flooredSoftmax(manager.create(new float[] {0f, -1000f}, new Shape(1, 2, 1, 1)))
                    .toFloatArray();
            assertThat(p).usingComparatorWithPrecision(1e-7f).containsExactly(0.99990002f, 0.000099980f);
        }
    }

    @Test
    void theKlClipsTheRatioAndItsGradientWhereClipped() {
        try (NDManager manager = NDManager.newBaseManager()) {
            // two pixels; class-major (1, 2, 1, 2): Q = (0.5, 0.5) and (0.99, 0.01), P = (0.9, 0.1) and (0.001, 0.999)
            NDArray q = manager.create(new float[] {0.5f, 0.99f, 0.5f, 0.01f}, new Shape(1, 2, 1, 2));
            NDArray p = manager.create(new float[] {0.9f, 0.001f, 0.1f, 0.999f}, new Shape(1, 2, 1, 2));
            p.setRequiresGradient(true);
            try (Autograd.Recording recording = Autograd.record()) {
                NDArray loss = BoundaryLoss.clippedKl(q, p);
                // pixel 1: 0.5 ln(0.5/0.9) + 0.5 ln(5) = -0.293893 + 0.804719 = 0.510826
                // pixel 2: ratios 990 and 0.01001, clipped to 20 and 0.05: 0.99 ln 20 + 0.01 ln 0.05 = 2.935818
                assertThat(loss.getFloat()).isCloseTo((0.510826f + 2.935818f) / 2, within(1e-5f));
                recording.backward(loss);
            }
            // d/dP of Q ln(Q/P) / 2 pixels = -Q / (2P) where unclipped; 0 where the clip holds
            assertThat(p.getGradient().toFloatArray())
                    .usingComparatorWithPrecision(1e-5f)
                    .containsExactly(-0.277778f, 0f, -2.5f, 0f);
        }
    }

    @Test
    void theWeightWaitsForTheWarmUpThenRampsLinearly() {
        BoundaryLoss loss = new BoundaryLoss(boundary(100, 200));
        assertThat(loss.weightAt(0)).isZero();
        assertThat(loss.weightAt(99)).isZero();
        assertThat(loss.weightAt(100)).isCloseTo(0.005, within(1e-12)); // 1 of 200 ramp steps
        assertThat(loss.weightAt(199)).isCloseTo(0.5, within(1e-12));
        assertThat(loss.weightAt(299)).isEqualTo(1.0);
        assertThat(loss.weightAt(10_000)).isEqualTo(1.0);
        assertThat(new BoundaryLoss(boundary(0, 0)).weightAt(0)).isEqualTo(1.0);
    }

    private static SeedStreamConfig.Boundary boundary(int warmup, int ramp) {
        SeedStreamConfig.Boundary d = SeedStreamConfig.defaults().boundary();
        return new SeedStreamConfig.Boundary(
                d.iterations(),
                d.gaussianSxy(),
                d.gaussianCompat(),
                d.bilateralSxy(),
                d.bilateralSrgb(),
                d.bilateralCompat(),
                d.referenceSide(),
                1.0,
                warmup,
                ramp,
                d.unary());
    }

    @Test
    void dsrgsUnaryFollowsTheColourRegionsTheLogUnaryKeepsAConfidentSegmenter() {
        // 8 x 1: black | white halves. P(class 0) = 0.999 on black pixels 0-2 and 0.001 everywhere else, so
        // black pixel 3 is confidently class 1 against its colour region. Its unary gap for class 1 is
        // 0.998 under DSRG's -P, below the bilateral pull (weight 10 times the kernel share of pixels 0-2,
        // about 0.4), so Q goes to class 0 there; under -log P the gap is log(999) = 6.9, above the pull,
        // so the segmenter keeps its label. The other pixels agree with their regions under both.
        float[] p0 = {0.999f, 0.999f, 0.999f, 0.001f, 0.001f, 0.001f, 0.001f, 0.001f};
        float[] dsrg = target("probability", p0);
        float[] log = target("log-probability", p0);
        for (int u = 0; u < 8; u++) {
            assertThat(dsrg[u] + dsrg[8 + u]).isCloseTo(1f, within(1e-5f));
            assertThat(Math.min(dsrg[u], dsrg[8 + u]))
                    .isGreaterThanOrEqualTo(BoundaryLoss.MIN_PROBABILITY / (1 + BoundaryLoss.MIN_PROBABILITY));
            assertThat(dsrg[u])
                    .as("-P: Q(class 0) at pixel %d", u)
                    .isGreaterThan(u < 4 ? 0.5f : 0f)
                    .isLessThan(u < 4 ? 1f : 0.5f);
            assertThat(log[u])
                    .as("-log P: Q(class 0) at pixel %d", u)
                    .isGreaterThan(u < 3 ? 0.5f : 0f)
                    .isLessThan(u < 3 ? 1f : 0.5f);
        }
    }

    private static float[] target(String unary, float[] p0) {
        SeedStreamConfig.Boundary d = SeedStreamConfig.defaults().boundary();
        SeedStreamConfig.Boundary boundary = new SeedStreamConfig.Boundary(
                d.iterations(),
                d.gaussianSxy(),
                d.gaussianCompat(),
                d.bilateralSxy(),
                d.bilateralSrgb(),
                d.bilateralCompat(),
                d.referenceSide(),
                d.weight(),
                d.warmupSteps(),
                d.rampSteps(),
                unary);
        try (NDManager manager = NDManager.newBaseManager()) {
            int pixels = p0.length;
            float[] values = new float[2 * pixels];
            for (int u = 0; u < pixels; u++) {
                values[u] = p0[u];
                values[pixels + u] = 1 - p0[u];
            }
            float[] colours = new float[3 * pixels];
            for (int c = 0; c < 3; c++) {
                for (int u = pixels / 2; u < pixels; u++) {
                    colours[c * pixels + u] = 1f;
                }
            }
            return new BoundaryLoss(boundary)
                    .target(
                            manager.create(values, new Shape(1, 2, 1, pixels)),
                            manager.create(colours, new Shape(1, 3, 1, pixels)))
                    .toFloatArray();
        }
    }

    @Test
    void saturatedLogitsGiveAFiniteLossAndFiniteGradients() {
        try (NDManager manager = NDManager.newBaseManager()) {
            // a segmenter so sure that its softmax rounds to exactly 0 and 1, and wrong where the image says otherwise
            NDArray logits = manager.create(
                    new float[] {1e4f, -1e4f, 1e4f, -1e4f, -1e4f, 1e4f, -1e4f, 1e4f}, new Shape(1, 2, 2, 2));
            logits.setRequiresGradient(true);
            NDArray images = manager.create(new float[] {0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1}, new Shape(1, 3, 2, 2));
            try (Autograd.Recording recording = Autograd.record()) {
                NDArray loss = new BoundaryLoss(SeedStreamConfig.defaults().boundary()).loss(logits, images);
                assertThat(Float.isFinite(loss.getFloat())).isTrue();
                // at most ln(20), however saturated
                assertThat(loss.getFloat()).isLessThanOrEqualTo((float) Math.log(20) + 1e-5f);
                recording.backward(loss);
            }
            for (float g : logits.getGradient().toFloatArray()) {
                assertThat(Float.isFinite(g)).isTrue();
            }
        }
    }
}
