package io.seedstream.segmentation.data;

import java.util.Arrays;

/**
 * One image with its weak label (the classes present) and, sometimes, a pixel mask.
 *
 * @param id a name that identifies the image in reports
 * @param rgb interleaved 8-bit RGB, row-major, {@code width * height * 3} bytes
 * @param mask per-pixel class ids (unsigned byte, {@link ClassList#IGNORE} = not labeled), or null
 * @param labels the class ids present, ascending; never the background
 */
public record LabeledImage(String id, int width, int height, byte[] rgb, byte[] mask, int[] labels) {

    public LabeledImage {
        if (rgb.length != width * height * 3) {
            throw new IllegalArgumentException(id + ": expected " + width * height * 3 + " RGB bytes, got " + rgb.length);
        }
        if (mask != null && mask.length != width * height) {
            throw new IllegalArgumentException(id + ": mask has " + mask.length + " pixels, image has " + width * height);
        }
        labels = labels.clone();
        Arrays.sort(labels);
    }

    public boolean hasMask() {
        return mask != null;
    }

    /** Class id of pixel (x, y); only valid when {@link #hasMask()}. */
    public int maskAt(int x, int y) {
        return mask[y * width + x] & 0xFF;
    }

    public boolean hasLabel(int classId) {
        return Arrays.binarySearch(labels, classId) >= 0;
    }

    /** Pixels as floats in [0, 1], channel-major (3 x height x width), the layout networks take. */
    public float[] toChw() {
        int plane = width * height;
        float[] chw = new float[3 * plane];
        for (int p = 0; p < plane; p++) {
            for (int c = 0; c < 3; c++) {
                chw[c * plane + p] = (rgb[p * 3 + c] & 0xFF) / 255f;
            }
        }
        return chw;
    }
}
