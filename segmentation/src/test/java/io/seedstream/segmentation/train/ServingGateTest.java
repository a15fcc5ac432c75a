package io.seedstream.segmentation.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.seedstream.segmentation.metrics.SegmentationMetrics;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * One class, no background: an image is 4 pixels of class 0, each found or missed, so an image
 * set's mIoU is the share of its pixels found.
 */
class ServingGateTest {

    private static SegmentationMetrics found(int pixels) {
        SegmentationMetrics metrics = new SegmentationMetrics(1, -1);
        int[] predicted = new int[4];
        for (int u = pixels; u < 4; u++) {
            predicted[u] = SegmentationMetrics.NO_PREDICTION;
        }
        metrics.add(predicted, new byte[4]);
        return metrics;
    }

    @Test
    void aModelEqualToTheServedOneIsServed() {
        List<SegmentationMetrics> scores = List.of(found(4), found(2), found(1));
        ServingGate.Decision decision = new ServingGate(2, 2).decide(scores, scores, 1, -1, 7);
        assertThat(decision.serve()).isTrue();
        assertThat(decision.standardError()).isZero();
        assertThat(decision.candidateMiou()).isEqualTo(7 / 12.0);
    }

    @Test
    void aModelWorseOnEveryImageIsRefusedOnceThereAreEnoughImages() {
        List<SegmentationMetrics> served = List.of(found(4), found(4), found(4), found(4));
        List<SegmentationMetrics> candidate = List.of(found(3), found(3), found(3), found(3));
        // Every resample differs by exactly -0.25: no noise, so the smallest loss counts.
        ServingGate.Decision decision = new ServingGate(4, 2).decide(candidate, served, 1, -1, 7);
        assertThat(decision.serve()).isFalse();
        assertThat(decision.candidateMiou() - decision.servedMiou()).isEqualTo(-0.25);
        assertThat(decision.standardError()).isZero();
        // With fewer images than the minimum nothing can be told: served.
        assertThat(new ServingGate(5, 2).decide(candidate, served, 1, -1, 7).serve())
                .isTrue();
    }

    /**
     * Image A: the candidate finds 4 pixels, the served model 0; image B the other way round. A
     * resample of two images is AA (1/4: difference 8/8 - 0/8 = 1), BB (1/4: -1) or AB, BA (1/2:
     * 4/8 - 4/8 = 0): mean 0, variance 1/2, standard error sqrt(1/2) = 0.707.
     */
    @Test
    void theStandardErrorIsThePairedBootstrapsOverImages() {
        ServingGate.Decision decision =
                new ServingGate(2, 2).decide(List.of(found(4), found(0)), List.of(found(0), found(4)), 1, -1, 7);
        assertThat(decision.standardError()).isCloseTo(Math.sqrt(0.5), within(0.05));
        assertThat(decision.serve()).isTrue();
    }

    /** Worse by 1/12 on images that disagree this much: within two standard errors, not within zero. */
    @Test
    void aSmallLossWithinTheNoiseIsServedAndRefusedWithoutTolerance() {
        List<SegmentationMetrics> candidate = List.of(found(4), found(0), found(3));
        List<SegmentationMetrics> served = List.of(found(0), found(4), found(4));
        assertThat(new ServingGate(3, 2).decide(candidate, served, 1, -1, 7).serve())
                .isTrue();
        assertThat(new ServingGate(3, 0).decide(candidate, served, 1, -1, 7).serve())
                .isFalse();
    }
}
