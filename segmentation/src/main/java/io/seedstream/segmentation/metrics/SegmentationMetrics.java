package io.seedstream.segmentation.metrics;

import io.seedstream.segmentation.data.ClassList;
import java.util.List;
import java.util.function.IntToDoubleFunction;

/**
 * Confusion-matrix metrics of label maps against ground truth: per-class IoU and its mean (mIoU),
 * and the mean precision and recall over the foreground classes. Ground-truth pixels marked {@link
 * ClassList#IGNORE} are not counted; predictions of {@link #NO_PREDICTION} count as misses of the
 * true class (for data sets without a background class). A class enters the mean of a metric only
 * where that metric is defined: IoU when the class is in the truth or a prediction, precision when
 * it is predicted, recall when it is in the truth.
 */
public final class SegmentationMetrics {

    /** A pixel the method left without a class. */
    public static final int NO_PREDICTION = -1;

    private final int classes;
    private final long[][] confusion;
    private final long[] missed;
    private final int background;

    /** @param background the background id, excluded from precision and recall; -1 if none */
    public SegmentationMetrics(int classes, int background) {
        this.classes = classes;
        this.confusion = new long[classes][classes];
        this.missed = new long[classes];
        this.background = background;
    }

    /** Adds one image: predicted and true class ids per pixel. */
    public void add(int[] predicted, byte[] truth) {
        if (predicted.length != truth.length) {
            throw new IllegalArgumentException("prediction has " + predicted.length + " pixels, truth " + truth.length);
        }
        for (int u = 0; u < truth.length; u++) {
            int t = truth[u] & 0xFF;
            if (t == ClassList.IGNORE) {
                continue;
            }
            if (predicted[u] == NO_PREDICTION) {
                missed[t]++;
            } else {
                confusion[t][predicted[u]]++;
            }
        }
    }

    /** Adds another set's counts (of the same classes): the metrics of both sets of images together. */
    public void add(SegmentationMetrics other) {
        if (other.classes != classes) {
            throw new IllegalArgumentException(
                    "metrics of " + other.classes + " classes added to metrics of " + classes);
        }
        for (int t = 0; t < classes; t++) {
            missed[t] += other.missed[t];
            for (int p = 0; p < classes; p++) {
                confusion[t][p] += other.confusion[t][p];
            }
        }
    }

    /** The metrics of several sets of images together. */
    public static SegmentationMetrics merged(List<SegmentationMetrics> parts, int classes, int background) {
        SegmentationMetrics all = new SegmentationMetrics(classes, background);
        parts.forEach(all::add);
        return all;
    }

    public double iou(int c) {
        long tp = confusion[c][c];
        long union = rowSum(c) + columnSum(c) - tp;
        return union == 0 ? Double.NaN : (double) tp / union;
    }

    public double meanIou() {
        return mean(c -> iou(c), false);
    }

    /** Mean over foreground classes of TP / (TP + FP). */
    public double precision() {
        return mean(c -> columnSum(c) == 0 ? Double.NaN : (double) confusion[c][c] / columnSum(c), true);
    }

    /** Mean over foreground classes of TP / (TP + FN). */
    public double recall() {
        return mean(c -> rowSum(c) == 0 ? Double.NaN : (double) confusion[c][c] / rowSum(c), true);
    }

    private double mean(IntToDoubleFunction metric, boolean foregroundOnly) {
        double sum = 0;
        int n = 0;
        for (int c = 0; c < classes; c++) {
            if (foregroundOnly && c == background) {
                continue;
            }
            double value = metric.applyAsDouble(c);
            if (!Double.isNaN(value)) {
                sum += value;
                n++;
            }
        }
        return n == 0 ? Double.NaN : sum / n;
    }

    private long rowSum(int c) {
        long sum = missed[c];
        for (int j = 0; j < classes; j++) {
            sum += confusion[c][j];
        }
        return sum;
    }

    private long columnSum(int c) {
        long sum = 0;
        for (int i = 0; i < classes; i++) {
            sum += confusion[i][c];
        }
        return sum;
    }
}
