package io.seedstream.segmentation.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.seedstream.segmentation.data.ClassList;
import io.seedstream.segmentation.data.LabeledImage;
import java.util.List;

/** Turns labeled images into the arrays networks take. All images of a batch share one size. */
public final class Batches {

    private Batches() {}

    /** Images as (B, 3, H, W) floats in [0, 1]. */
    public static NDArray images(NDManager manager, List<LabeledImage> batch) {
        LabeledImage first = batch.get(0);
        int plane = 3 * first.width() * first.height();
        float[] data = new float[batch.size() * plane];
        for (int b = 0; b < batch.size(); b++) {
            LabeledImage image = batch.get(b);
            if (image.width() != first.width() || image.height() != first.height()) {
                throw new IllegalArgumentException("batch mixes image sizes: " + image.id() + " is " + image.width()
                        + "x" + image.height() + ", " + first.id() + " is " + first.width() + "x" + first.height());
            }
            System.arraycopy(image.toChw(), 0, data, b * plane, plane);
        }
        return manager.create(data, new Shape(batch.size(), 3, first.height(), first.width()));
    }

    /** Multi-hot image-level labels (B, C) over the classifier's outputs. */
    public static NDArray targets(NDManager manager, List<LabeledImage> batch, ClassList classes) {
        int c = classes.numForeground();
        float[] data = new float[batch.size() * c];
        for (int b = 0; b < batch.size(); b++) {
            for (int id : batch.get(b).labels()) {
                data[b * c + classes.classifierIndex(id)] = 1f;
            }
        }
        return manager.create(data, new Shape(batch.size(), c));
    }

    /**
     * Per (image, class) pixel masks (B, C, H, W): 1 where the mask shows the class; rows of images
     * without a mask are 0 and {@code hasMask} (B) says which rows count.
     */
    public static NDArray classMasks(NDManager manager, List<LabeledImage> batch, ClassList classes) {
        LabeledImage first = batch.get(0);
        int c = classes.numForeground();
        int pixels = first.width() * first.height();
        float[] data = new float[batch.size() * c * pixels];
        for (int b = 0; b < batch.size(); b++) {
            LabeledImage image = batch.get(b);
            if (!image.hasMask()) {
                continue;
            }
            for (int u = 0; u < pixels; u++) {
                int id = image.mask()[u] & 0xFF;
                if (id != ClassList.IGNORE && id != classes.background()) {
                    data[(b * c + classes.classifierIndex(id)) * pixels + u] = 1f;
                }
            }
        }
        return manager.create(data, new Shape(batch.size(), c, first.height(), first.width()));
    }

    /**
     * One-hot labels (B, classes, H, W): 1 at each pixel's class id; all zero where the label is
     * negative (unseeded) or {@link ClassList#IGNORE}.
     */
    public static NDArray oneHot(NDManager manager, List<int[]> labels, int classes, int height, int width) {
        int pixels = height * width;
        float[] data = new float[labels.size() * classes * pixels];
        for (int b = 0; b < labels.size(); b++) {
            int[] image = labels.get(b);
            if (image.length != pixels) {
                throw new IllegalArgumentException(
                        "label map " + b + " has " + image.length + " pixels, expected " + pixels);
            }
            for (int u = 0; u < pixels; u++) {
                int id = image[u];
                if (id >= 0 && id != ClassList.IGNORE) {
                    data[(b * classes + id) * pixels + u] = 1f;
                }
            }
        }
        return manager.create(data, new Shape(labels.size(), classes, height, width));
    }

    /** A mask's class ids as ints ({@link ClassList#IGNORE} stays). */
    public static int[] maskLabels(byte[] mask) {
        int[] labels = new int[mask.length];
        for (int u = 0; u < mask.length; u++) {
            labels[u] = mask[u] & 0xFF;
        }
        return labels;
    }
}
