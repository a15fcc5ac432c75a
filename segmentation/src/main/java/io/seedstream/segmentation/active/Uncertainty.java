package io.seedstream.segmentation.active;

import io.seedstream.segmentation.config.SeedStreamConfig;

/**
 * How unsure the models are about an image, the scores active learning ranks by (natural logs).
 *
 * <p>{@link #mutualInformation}: BALD (Houlsby et al., 2011) over FickleNet's N stochastic passes,
 * per class the binary entropy of the mean presence probability minus the mean of each pass's
 * binary entropy, summed over classes. It is high only where the passes disagree, not where every
 * pass is unsure in the same way. {@link #meanPixelEntropy}: the mean over pixels of the entropy of
 * a per-pixel class distribution (the segmenter's output, or a normalized localization map).
 */
public final class Uncertainty {

    private Uncertainty() {}

    /**
     * The parts of an image's uncertainty, each times its weight: mutual information, map entropy
     * and segmenter entropy, which is NaN when no segmenter existed as the image was scored and then
     * counts 0. The uncertainty the selector ranks by is their sum.
     */
    public static double[] weightedParts(
            SeedStreamConfig.Active weights, double mutualInformation, double mapEntropy, double segmenterEntropy) {
        return new double[] {
            weights.mutualInformationWeight() * mutualInformation,
            weights.mapEntropyWeight() * mapEntropy,
            Double.isNaN(segmenterEntropy) ? 0 : weights.segmenterEntropyWeight() * segmenterEntropy
        };
    }

    /** @param samples [pass][class] presence probabilities (sigmoid outputs) of one image */
    public static double mutualInformation(float[][] samples) {
        if (samples.length == 0) {
            throw new IllegalArgumentException("mutual information needs at least one stochastic pass");
        }
        int classes = samples[0].length;
        double total = 0;
        for (int c = 0; c < classes; c++) {
            double mean = 0;
            double meanEntropy = 0;
            for (float[] pass : samples) {
                mean += pass[c];
                meanEntropy += binaryEntropy(pass[c]);
            }
            mean /= samples.length;
            meanEntropy /= samples.length;
            total += binaryEntropy(mean) - meanEntropy;
        }
        return Math.max(0, total); // rounding can leave a tiny negative where the passes agree
    }

    /** @param probabilities (classes x pixels), row-major, each pixel's column summing to 1 */
    public static double meanPixelEntropy(float[] probabilities, int classes) {
        if (classes < 1 || probabilities.length % classes != 0) {
            throw new IllegalArgumentException(
                    probabilities.length + " probabilities do not split into " + classes + " classes");
        }
        int pixels = probabilities.length / classes;
        double total = 0;
        for (int u = 0; u < pixels; u++) {
            for (int c = 0; c < classes; c++) {
                double p = probabilities[c * pixels + u];
                total -= p > 0 ? p * Math.log(p) : 0;
            }
        }
        return total / pixels;
    }

    /**
     * The entropy of the aggregated localization map: each class's map (classes x pixels, >= 0) is
     * scaled to a maximum of 1 and weighted by the class's presence probability, the background is 1
     * minus the strongest class there, and each pixel's (background, classes) is normalized to a
     * distribution. Weighting keeps a faint map of a class that is not there from counting fully.
     */
    public static double mapEntropy(float[] maps, float[] presence) {
        int classes = presence.length;
        if (classes < 1 || maps.length % classes != 0) {
            throw new IllegalArgumentException(maps.length + " map values do not split into " + classes + " classes");
        }
        int pixels = maps.length / classes;
        float[] scale = new float[classes];
        for (int c = 0; c < classes; c++) {
            float max = 0;
            for (int u = 0; u < pixels; u++) {
                max = Math.max(max, maps[c * pixels + u]);
            }
            scale[c] = max > 0 ? presence[c] / max : 0;
        }
        double total = 0;
        double[] column = new double[classes + 1];
        for (int u = 0; u < pixels; u++) {
            double strongest = 0;
            double sum = 0;
            for (int c = 0; c < classes; c++) {
                column[c + 1] = maps[c * pixels + u] * scale[c];
                strongest = Math.max(strongest, column[c + 1]);
                sum += column[c + 1];
            }
            column[0] = 1 - strongest;
            sum += column[0];
            for (double v : column) {
                double p = v / sum;
                total -= p > 0 ? p * Math.log(p) : 0;
            }
        }
        return total / pixels;
    }

    static double binaryEntropy(double p) {
        return (p > 0 ? -p * Math.log(p) : 0) + (p < 1 ? -(1 - p) * Math.log(1 - p) : 0);
    }
}
