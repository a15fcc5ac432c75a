package io.seedstream.segmentation.active;

import io.seedstream.segmentation.data.LabeledImage;

/**
 * A tiny colour layout of an image for spotting near-duplicates: the mean RGB of each cell of a
 * side x side grid, centred on the image's own mean colour and scaled to unit length. Two frames of
 * the same scene have a cosine similarity near 1; a uniform image has the zero vector (similar to
 * nothing).
 */
public final class Thumbnail {

    public static final int SIDE = 8;

    private Thumbnail() {}

    public static float[] of(LabeledImage image) {
        double[] cells = new double[SIDE * SIDE * 3];
        int[] counts = new int[SIDE * SIDE];
        byte[] rgb = image.rgb();
        for (int y = 0; y < image.height(); y++) {
            int cy = y * SIDE / image.height();
            for (int x = 0; x < image.width(); x++) {
                int cell = cy * SIDE + x * SIDE / image.width();
                counts[cell]++;
                for (int c = 0; c < 3; c++) {
                    cells[cell * 3 + c] += rgb[(y * image.width() + x) * 3 + c] & 0xFF;
                }
            }
        }
        double[] mean = new double[3];
        int filled = 0;
        for (int cell = 0; cell < counts.length; cell++) {
            if (counts[cell] > 0) {
                filled++;
                for (int c = 0; c < 3; c++) {
                    cells[cell * 3 + c] /= counts[cell];
                    mean[c] += cells[cell * 3 + c];
                }
            }
        }
        float[] vector = new float[cells.length];
        double norm = 0;
        for (int cell = 0; cell < counts.length; cell++) {
            for (int c = 0; c < 3 && counts[cell] > 0; c++) {
                double v = cells[cell * 3 + c] - mean[c] / filled;
                vector[cell * 3 + c] = (float) v;
                norm += v * v;
            }
        }
        if (norm > 0) {
            float inverse = (float) (1 / Math.sqrt(norm));
            for (int i = 0; i < vector.length; i++) {
                vector[i] *= inverse;
            }
        }
        return vector;
    }

    /** Cosine similarity of two thumbnails (both unit length or zero). */
    public static double similarity(float[] a, float[] b) {
        double dot = 0;
        for (int i = 0; i < a.length; i++) {
            dot += a[i] * b[i];
        }
        return dot;
    }
}
