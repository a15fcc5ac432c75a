package io.seedstream.segmentation.seeds;

import io.seedstream.segmentation.config.SeedStreamConfig;
import java.util.Arrays;

/**
 * Confident seeds from max-normalised class maps, as IRN's {@code step/cam_to_ir_label.py} makes
 * them. The background is a constant score competing in an argmax against the image's class maps;
 * two such labellings are made, one with a high constant (only strong evidence is foreground) and
 * one with a low constant (only pixels with almost no evidence are background), each is refined by
 * a dense CRF on labels, and a pixel is
 * <ul>
 *   <li>class c where the high-constant labelling says c,</li>
 *   <li>background where both labellings say background,</li>
 *   <li>{@link ConfidentSeeds#UNSEEDED} (the ignore band) where the high-constant labelling says
 *       background but the low-constant one says foreground.</li>
 * </ul>
 * Data sets without a background class get foreground seeds only.
 */
public final class ConfidentSeeds {

    /** A pixel without a seed: only region growing or the segmenter decides it. */
    public static final int UNSEEDED = -1;

    private final SeedStreamConfig.Seeds config;

    /** Thresholds and CRF settings from the configuration ({@code seeds.*}); validated there. */
    public ConfidentSeeds(SeedStreamConfig.Seeds config) {
        this.config = config;
    }

    public SeedStreamConfig.Seeds settings() {
        return config;
    }

    /** The same thresholds without the CRF (for what must be cheap, such as the class memory's updates). */
    public static SeedStreamConfig.Seeds withoutCrf(SeedStreamConfig.Seeds s) {
        return with(s, s.foregroundThreshold(), s.backgroundThreshold(), false);
    }

    /** The same CRF settings with other thresholds, the CRF on or off. */
    public static SeedStreamConfig.Seeds with(
            SeedStreamConfig.Seeds s, double foreground, double background, boolean crf) {
        return new SeedStreamConfig.Seeds(
                foreground,
                background,
                crf,
                s.iterations(),
                s.labelConfidence(),
                s.gaussianSxy(),
                s.gaussianCompat(),
                s.bilateralSxy(),
                s.bilateralSrgb(),
                s.bilateralCompat(),
                s.referenceSide());
    }

    /**
     * The CRF settings for an image of this size: sxy scaled from the reference side (VOC's 500
     * pixels) to the image's long side.
     */
    public LabelCrf.Settings crfSettings(int width, int height) {
        double scale = (double) Math.max(width, height) / config.referenceSide();
        return new LabelCrf.Settings(
                config.iterations(),
                config.labelConfidence(),
                config.gaussianSxy() * scale,
                config.gaussianCompat(),
                config.bilateralSxy() * scale,
                config.bilateralSrgb(),
                config.bilateralCompat());
    }

    /** The CRF on this image with its settings scaled to the image's size; its kernels are built on first use. */
    public LabelCrf.ImageCrf crf(byte[] rgb, int width, int height) {
        return new LabelCrf(crfSettings(width, height)).on(rgb, width, height);
    }

    /**
     * @param maps max-normalised maps of the image's m classes, class-major (m x pixels), at image size
     * @param rgb the image, interleaved 8-bit RGB (for the CRF)
     * @return a class id or {@link ConfidentSeeds#UNSEEDED} per pixel
     */
    public int[] seeds(float[] maps, int[] classIds, int background, byte[] rgb, int width, int height) {
        return seeds(maps, classIds, background, crf(rgb, width, height));
    }

    /** The same on an image whose CRF is shared with its other labellings (see {@link LabelCrf.ImageCrf}). */
    public int[] seeds(float[] maps, int[] classIds, int background, LabelCrf.ImageCrf image) {
        int pixels = image.width() * image.height();
        if (classIds.length == 0) { // labeled with no class: every pixel is known to be background
            int[] all = new int[pixels];
            Arrays.fill(all, background >= 0 ? background : ConfidentSeeds.UNSEEDED);
            return all;
        }
        int m = classIds.length;
        return combine(
                labelling(maps, m, config.foregroundThreshold(), image),
                labelling(maps, m, config.backgroundThreshold(), image),
                classIds,
                background);
    }

    /**
     * One labelling: per pixel 0 where the background constant wins the argmax against the m maps,
     * else 1 + the winning map; refined by the CRF when it is on.
     */
    public int[] labelling(float[] maps, int m, double constant, LabelCrf.ImageCrf image) {
        int[] labels = argmaxIndex(maps, m, constant);
        return config.crf() ? image.refine(labels, m + 1) : labels;
    }

    /** IRN's rule on the two labellings (see the class comment): class ids, the background, or unseeded. */
    public static int[] combine(int[] foreground, int[] backgroundLabels, int[] classIds, int background) {
        int[] seeds = new int[foreground.length];
        for (int u = 0; u < seeds.length; u++) {
            if (foreground[u] > 0) {
                seeds[u] = classIds[foreground[u] - 1];
            } else {
                seeds[u] = backgroundLabels[u] == 0 && background >= 0 ? background : ConfidentSeeds.UNSEEDED;
            }
        }
        return seeds;
    }

    /**
     * The evaluation rule of IRN and ReCAM: every pixel takes the argmax of the background constant
     * and its class maps, a dense label map (pixels below the constant in a data set without
     * background stay {@link ConfidentSeeds#UNSEEDED}).
     */
    public static int[] argmaxWithBackground(float[] maps, int[] classIds, int background, double backgroundScore) {
        if (classIds.length == 0) {
            throw new IllegalArgumentException("the argmax needs at least one class map");
        }
        int[] index = argmaxIndex(maps, classIds.length, backgroundScore);
        int[] labels = new int[index.length];
        for (int u = 0; u < labels.length; u++) {
            labels[u] = index[u] > 0 ? classIds[index[u] - 1] : background >= 0 ? background : ConfidentSeeds.UNSEEDED;
        }
        return labels;
    }

    /** Per pixel 0 (the constant wins, ties included, as numpy's argmax takes the first) or 1 + the winning map. */
    private static int[] argmaxIndex(float[] maps, int m, double constant) {
        if (maps.length % m != 0) {
            throw new IllegalArgumentException(maps.length + " map values do not split into " + m + " maps");
        }
        int pixels = maps.length / m;
        int[] index = new int[pixels];
        for (int u = 0; u < pixels; u++) {
            double best = constant;
            for (int c = 0; c < m; c++) {
                if (maps[c * pixels + u] > best) {
                    best = maps[c * pixels + u];
                    index[u] = c + 1;
                }
            }
        }
        return index;
    }
}
