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
            throw new IllegalArgumentException(
                    id + ": expected " + width * height * 3 + " RGB bytes, got " + rgb.length);
        }
        if (mask != null && mask.length != width * height) {
            throw new IllegalArgumentException(
                    id + ": mask has " + mask.length + " pixels, image has " + width * height);
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

    /**
     * The image scaled to width x height: each new pixel's colour is the mean of the source pixels
     * it covers, its mask value that of the source pixel at its center. Labels stay as they are.
     */
    public LabeledImage resized(int newWidth, int newHeight) {
        byte[] newRgb = new byte[newWidth * newHeight * 3];
        for (int y = 0; y < newHeight; y++) {
            int y0 = y * height / newHeight;
            int y1 = Math.max(y0 + 1, (y + 1) * height / newHeight);
            for (int x = 0; x < newWidth; x++) {
                int x0 = x * width / newWidth;
                int x1 = Math.max(x0 + 1, (x + 1) * width / newWidth);
                int[] sum = new int[3];
                for (int sy = y0; sy < y1; sy++) {
                    for (int sx = x0; sx < x1; sx++) {
                        for (int c = 0; c < 3; c++) {
                            sum[c] += rgb[(sy * width + sx) * 3 + c] & 0xFF;
                        }
                    }
                }
                int count = (y1 - y0) * (x1 - x0);
                for (int c = 0; c < 3; c++) {
                    newRgb[(y * newWidth + x) * 3 + c] = (byte) Math.round((float) sum[c] / count);
                }
            }
        }
        byte[] newMask = mask == null ? null : resizedLabels(mask, width, height, newWidth, newHeight);
        return new LabeledImage(id, newWidth, newHeight, newRgb, newMask, labels);
    }

    /** A per-pixel label map (mask or pseudo-label) scaled: each new pixel takes the source pixel at its center. */
    public static byte[] resizedLabels(byte[] labels, int width, int height, int newWidth, int newHeight) {
        byte[] resized = new byte[newWidth * newHeight];
        for (int y = 0; y < newHeight; y++) {
            int cy = (int) ((y + 0.5) * height / newHeight);
            for (int x = 0; x < newWidth; x++) {
                resized[y * newWidth + x] = labels[cy * width + (int) ((x + 0.5) * width / newWidth)];
            }
        }
        return resized;
    }
}
