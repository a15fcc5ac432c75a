package io.seedstream.segmentation.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;

class SegmentationMetricsTest {

    /*
     * truth:     0 0 1 1 2 255
     * predicted: 0 1 1 1 0 2     (the last pixel is ignored)
     * background (0): TP 1, FP 1 (pixel 4), FN 1 (pixel 1) -> IoU 1/3
     * class 1:        TP 2, FP 1 (pixel 1), FN 0           -> IoU 2/3, precision 2/3, recall 1
     * class 2:        TP 0, FP 0, FN 1                     -> IoU 0,   precision n/a, recall 0
     * mIoU = (1/3 + 2/3 + 0) / 3 = 1/3; precision = mean(2/3) = 2/3; recall = mean(1, 0) = 1/2
     */
    @Test
    void computesIouPrecisionAndRecallFromTheConfusionMatrix() {
        SegmentationMetrics metrics = new SegmentationMetrics(3, 0);
        metrics.add(new int[] {0, 1, 1, 1, 0, 2}, new byte[] {0, 0, 1, 1, 2, (byte) 255});
        assertThat(metrics.iou(0)).isCloseTo(1 / 3.0, within(1e-9));
        assertThat(metrics.iou(1)).isCloseTo(2 / 3.0, within(1e-9));
        assertThat(metrics.iou(2)).isZero();
        assertThat(metrics.meanIou()).isCloseTo(1 / 3.0, within(1e-9));
        assertThat(metrics.precision()).isCloseTo(2 / 3.0, within(1e-9));
        assertThat(metrics.recall()).isCloseTo(0.5, within(1e-9));
    }

    /* Without a background class, an unclaimed pixel is a miss of its true class: truth [0, 0, 1],
     * predicted [0, none, 1] -> class 0: TP 1, FN 1 -> IoU 1/2, recall 1/2; class 1: IoU 1. */
    @Test
    void unclaimedPixelsAreMissesWhenThereIsNoBackground() {
        SegmentationMetrics metrics = new SegmentationMetrics(2, -1);
        metrics.add(new int[] {0, SegmentationMetrics.NO_PREDICTION, 1}, new byte[] {0, 0, 1});
        assertThat(metrics.iou(0)).isCloseTo(0.5, within(1e-9));
        assertThat(metrics.iou(1)).isCloseTo(1.0, within(1e-9));
        assertThat(metrics.recall()).isCloseTo(0.75, within(1e-9));
        assertThat(metrics.precision()).isCloseTo(1.0, within(1e-9));
    }

    /** The first test's image split in two and merged again: the same confusion matrix, the same mIoU. */
    @Test
    void mergedMetricsAreThoseOfAllTheirImagesTogether() {
        SegmentationMetrics first = new SegmentationMetrics(3, 0);
        first.add(new int[] {0, 1, 1}, new byte[] {0, 0, 1});
        SegmentationMetrics second = new SegmentationMetrics(3, 0);
        second.add(new int[] {1, 0, 2}, new byte[] {1, 2, (byte) 255});
        SegmentationMetrics merged = SegmentationMetrics.merged(List.of(first, second), 3, 0);
        assertThat(merged.meanIou()).isCloseTo(1 / 3.0, within(1e-9));
        assertThat(merged.precision()).isCloseTo(2 / 3.0, within(1e-9));
        assertThat(first.meanIou()).isCloseTo((0.5 + 0.5) / 2, within(1e-9)); // its parts are left as they were
    }
}
