package io.seedstream.server;

import io.seedstream.segmentation.data.ClassList;
import io.seedstream.segmentation.data.ImageCodec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;

/** The pictures on the pages: class masks over the image, heat-maps of localization maps, seeds. */
public final class Renderings {

    /** Distinct colours (PASCAL VOC's first ones), reused cyclically. */
    private static final int[] PALETTE = {
        0x808080, 0xE6194B, 0x3CB44B, 0xFFE119, 0x4363D8, 0xF58231, 0x911EB4, 0x46F0F0, 0xF032E6, 0xBCF60C, 0xFABEBE,
        0x008080, 0xE6BEFF, 0x9A6324, 0xFFFAC8, 0x800000, 0xAAFFC3, 0x808000, 0xFFD8B1, 0x000075
    };

    private static final float MASK_OPACITY = 0.55f;

    private Renderings() {}

    /** The colour of class {@code id} in every picture and in the pages' legends. */
    public static int colour(int id) {
        return PALETTE[id % PALETTE.length];
    }

    /** The image with each pixel tinted by its class; a class named "background" and ignored pixels are left untinted. */
    public static byte[] maskOverlay(ImageCodec.Rgb image, byte[] mask, List<String> classes) {
        byte[] out = image.pixels().clone();
        for (int p = 0; p < mask.length; p++) {
            int id = mask[p] & 0xFF;
            if (id != ClassList.IGNORE
                    && id < classes.size()
                    && !classes.get(id).equalsIgnoreCase("background")) {
                blend(out, p, colour(id), MASK_OPACITY);
            }
        }
        return png(image, out);
    }

    /**
     * The image under a heat-map of {@code map} (one value per pixel), scaled so its maximum is hot;
     * an all-zero map leaves the image as it is.
     */
    public static byte[] heatMap(ImageCodec.Rgb image, float[] map) {
        float max = 0;
        for (float v : map) {
            max = Math.max(max, v);
        }
        byte[] out = image.pixels().clone();
        if (max > 0) {
            for (int p = 0; p < map.length; p++) {
                float t = Math.max(0, map[p]) / max;
                blend(out, p, jet(t), 0.25f + 0.5f * t);
            }
        }
        return png(image, out);
    }

    /** Each class's map scaled to a maximum of 1, then the per-pixel maximum over the classes. */
    static void maxNormalizedInto(float[] heat, float[] map) {
        float max = 0;
        for (float v : map) {
            max = Math.max(max, v);
        }
        if (max <= 0) {
            return;
        }
        for (int p = 0; p < heat.length; p++) {
            heat[p] = Math.max(heat[p], map[p] / max);
        }
    }

    /** Seeded pixels in their class's colour, unseeded ones ({@link ClassList#IGNORE}) as the image, darkened. */
    public static byte[] seeds(ImageCodec.Rgb image, byte[] seeds) {
        byte[] out = image.pixels().clone();
        for (int p = 0; p < seeds.length; p++) {
            int id = seeds[p] & 0xFF;
            if (id == ClassList.IGNORE) {
                blend(out, p, 0x000000, 0.6f);
            } else {
                blend(out, p, colour(id), 0.85f);
            }
        }
        return png(image, out);
    }

    /** Blue (0) through cyan, yellow, to red (1). */
    static int jet(float t) {
        float r = clamp(1.5f - Math.abs(4 * t - 3));
        float g = clamp(1.5f - Math.abs(4 * t - 2));
        float b = clamp(1.5f - Math.abs(4 * t - 1));
        return Math.round(r * 255) << 16 | Math.round(g * 255) << 8 | Math.round(b * 255);
    }

    private static float clamp(float v) {
        return Math.max(0, Math.min(1, v));
    }

    private static void blend(byte[] rgb, int pixel, int colour, float opacity) {
        for (int c = 0; c < 3; c++) {
            int over = colour >> (16 - 8 * c) & 0xFF;
            int under = rgb[pixel * 3 + c] & 0xFF;
            rgb[pixel * 3 + c] = (byte) Math.round(under * (1 - opacity) + over * opacity);
        }
    }

    private static byte[] png(ImageCodec.Rgb image, byte[] rgb) {
        try {
            return ImageCodec.encodePng(image.width(), image.height(), rgb);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
