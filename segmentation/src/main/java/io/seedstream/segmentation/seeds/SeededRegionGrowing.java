package io.seedstream.segmentation.seeds;

import java.util.Arrays;
import java.util.stream.IntStream;

/**
 * DSRG's seeded region growing: an unseeded pixel joins a neighbouring region of class c when c is
 * its most probable class (among the classes the image is labeled with, and the background) and
 * that probability exceeds theta_f (foreground) or theta_b (background). Seeds are never changed.
 *
 * <p>DSRG repeats "add the qualifying neighbours" until nothing changes; that fixpoint is exactly
 * the set of qualifying pixels 8-connected to a seed of their class through qualifying pixels, so
 * one multi-source breadth-first search reaches it, visiting each pixel at most once (linear in the
 * number of pixels). Running it again on its own output changes nothing.
 */
public final class SeededRegionGrowing {

    private static final int[] DX = {-1, 0, 1, -1, 1, -1, 0, 1};
    private static final int[] DY = {-1, -1, -1, 0, 0, 1, 1, 1};

    private final double foregroundThreshold;
    private final double backgroundThreshold;

    public SeededRegionGrowing(double foregroundThreshold, double backgroundThreshold) {
        this.foregroundThreshold = foregroundThreshold;
        this.backgroundThreshold = backgroundThreshold;
    }

    /** The classes a pixel of an image with these labels may grow into: its labels and the background (if any). */
    public static int[] allowedClasses(int[] labels, int background) {
        return IntStream.concat(IntStream.of(background), Arrays.stream(labels))
                .filter(id -> id >= 0)
                .toArray();
    }

    /**
     * @param seeds a class id or {@link ConfidentSeeds#UNSEEDED} per pixel, row-major
     * @param probabilities the segmenter's class probabilities, class-id-major (classes x pixels)
     * @param allowed the class ids the pixel may take: the image's labels and the background
     * @param background the background's id (-1 if none), which uses theta_b
     * @return the grown labels; seeded pixels keep their seed
     */
    public int[] grow(int[] seeds, float[] probabilities, int[] allowed, int background, int width, int height) {
        int pixels = width * height;
        if (seeds.length != pixels || probabilities.length % pixels != 0) {
            throw new IllegalArgumentException("seeds (" + seeds.length + ") and probabilities (" + probabilities.length
                    + ") do not fit a " + width + "x" + height + " image");
        }
        int[] joins = qualifyingClass(probabilities, allowed, background, pixels);
        int[] labels = seeds.clone();
        int[] queue = new int[pixels];
        int tail = 0;
        for (int u = 0; u < pixels; u++) {
            if (labels[u] != ConfidentSeeds.UNSEEDED) {
                queue[tail++] = u;
            }
        }
        for (int head = 0; head < tail; head++) {
            int u = queue[head];
            int x = u % width;
            int y = u / width;
            for (int n = 0; n < DX.length; n++) {
                int nx = x + DX[n];
                int ny = y + DY[n];
                if (nx < 0 || ny < 0 || nx >= width || ny >= height) {
                    continue;
                }
                int v = ny * width + nx;
                if (labels[v] == ConfidentSeeds.UNSEEDED && joins[v] == labels[u]) {
                    labels[v] = labels[u];
                    queue[tail++] = v;
                }
            }
        }
        return labels;
    }

    /**
     * DSRG's growing on CRF-refined probabilities ({@code pylayers.py} refines the segmenter's
     * softmax before growing): the allowed classes' probabilities, renormalised, go through the
     * dense CRF with the image, then {@link #grow} runs on the result.
     */
    public int[] growRefined(int[] seeds, float[] probabilities, int[] allowed, int background, LabelCrf.ImageCrf crf) {
        int width = crf.width();
        int height = crf.height();
        if (Arrays.stream(seeds).noneMatch(seed -> seed == ConfidentSeeds.UNSEEDED)) {
            return seeds.clone(); // nothing to grow into: spare the CRF
        }
        int pixels = width * height;
        float[] picked = new float[allowed.length * pixels];
        for (int u = 0; u < pixels; u++) {
            float sum = 0;
            for (int a = 0; a < allowed.length; a++) {
                sum += probabilities[allowed[a] * pixels + u];
            }
            for (int a = 0; a < allowed.length; a++) {
                picked[a * pixels + u] = sum > 0 ? probabilities[allowed[a] * pixels + u] / sum : 1f / allowed.length;
            }
        }
        float[] refined = crf.refineProbabilities(picked, allowed.length);
        float[] full = new float[probabilities.length];
        for (int a = 0; a < allowed.length; a++) {
            System.arraycopy(refined, a * pixels, full, allowed[a] * pixels, pixels);
        }
        return grow(seeds, full, allowed, background, width, height);
    }

    /** Per pixel, the class it may join (its most probable allowed class, if above that class's threshold). */
    private int[] qualifyingClass(float[] probabilities, int[] allowed, int background, int pixels) {
        int[] joins = new int[pixels];
        Arrays.fill(joins, ConfidentSeeds.UNSEEDED);
        for (int u = 0; u < pixels; u++) {
            int best = ConfidentSeeds.UNSEEDED;
            float bestP = -1;
            for (int c : allowed) {
                float p = probabilities[c * pixels + u];
                if (p > bestP) {
                    best = c;
                    bestP = p;
                }
            }
            double threshold = best == background ? backgroundThreshold : foregroundThreshold;
            if (bestP > threshold) {
                joins[u] = best;
            }
        }
        return joins;
    }
}
