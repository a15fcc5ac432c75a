package io.seedstream.segmentation.train;

import io.seedstream.segmentation.metrics.SegmentationMetrics;
import java.util.List;
import java.util.Random;

/**
 * Whether a new version of a model may replace the one in service. Both are scored on the same
 * held-out images; the candidate is refused only when its mIoU is below the served one's by more
 * than {@code standardErrors} standard errors of the difference. The standard error comes from a
 * paired bootstrap over the images (an image, not a pixel, is the independent unit: its pixels
 * err together). With fewer than {@code minImages} images nothing can be told, and every candidate
 * is served.
 */
public final class ServingGate {

    /** Bootstrap resamples: the standard error's own relative error is about 1 / sqrt(2 * 1000), 2%. */
    static final int RESAMPLES = 1000;

    /** The verdict and the numbers it rests on. */
    public record Decision(boolean serve, double candidateMiou, double servedMiou, double standardError, int images) {
        @Override
        public String toString() {
            return String.format(
                    "%.3f against %.3f in service (standard error of the difference %.3f over %d images)",
                    candidateMiou, servedMiou, standardError, images);
        }
    }

    private final int minImages;
    private final double standardErrors;

    public ServingGate(int minImages, double standardErrors) {
        this.minImages = minImages;
        this.standardErrors = standardErrors;
    }

    /**
     * Compares two models' per-image metrics, in the same image order; {@code seed} fixes the
     * resamples, so that a decision can be repeated.
     */
    public Decision decide(
            List<SegmentationMetrics> candidate,
            List<SegmentationMetrics> served,
            int classes,
            int background,
            long seed) {
        if (candidate.size() != served.size()) {
            throw new IllegalArgumentException(
                    "candidate scored on " + candidate.size() + " images, served model on " + served.size());
        }
        int n = candidate.size();
        double candidateMiou =
                SegmentationMetrics.merged(candidate, classes, background).meanIou();
        double servedMiou =
                SegmentationMetrics.merged(served, classes, background).meanIou();
        if (n < minImages) {
            return new Decision(true, candidateMiou, servedMiou, Double.NaN, n);
        }
        Random random = new Random(seed);
        double sum = 0;
        double sumOfSquares = 0;
        for (int r = 0; r < RESAMPLES; r++) {
            SegmentationMetrics a = new SegmentationMetrics(classes, background);
            SegmentationMetrics b = new SegmentationMetrics(classes, background);
            for (int i = 0; i < n; i++) {
                int image = random.nextInt(n);
                a.add(candidate.get(image));
                b.add(served.get(image));
            }
            double difference = a.meanIou() - b.meanIou();
            sum += difference;
            sumOfSquares += difference * difference;
        }
        double mean = sum / RESAMPLES;
        double standardError = Math.sqrt(Math.max(0, sumOfSquares / RESAMPLES - mean * mean));
        boolean serve = candidateMiou - servedMiou >= -standardErrors * standardError;
        return new Decision(serve, candidateMiou, servedMiou, standardError, n);
    }
}
