package io.seedstream.segmentation.train;

import io.seedstream.segmentation.data.ClassList;
import io.seedstream.segmentation.data.LabeledImage;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * The training crop of DeepLab and IRN: a sample rescaled by a random factor, then a square window
 * of {@code trainer.cropSize} at a random place. Where the rescaled image is smaller than the window
 * it lies at a random place in it, and the rest is grey (0 after the backbone's centring, as IRN pads
 * its normalised images with 0) with every label ignored (IRN's {@code imutils.random_crop}: image
 * 0, label 255). So images of any size and shape batch together, and a batch is cropSize x cropSize.
 * The streaming trainer's models train on such crops, and so do the benchmarks' offline references.
 */
public final class RandomScaleCrop {

    /** The padding's grey: 128 / 255 is about the 0.5 the backbone subtracts. */
    static final byte PAD_GREY = (byte) 128;

    private final int cropSize;
    private final double minScale;
    private final double maxScale;

    /** @param scaleRange the rescaling factor's [min, max] */
    public RandomScaleCrop(int cropSize, List<Double> scaleRange) {
        this.cropSize = cropSize;
        this.minScale = scaleRange.get(0);
        this.maxScale = scaleRange.get(1);
    }

    /** The sample's crop: image, mask and pseudo-label cut from the same window. */
    public StreamingTrainer.Sample apply(StreamingTrainer.Sample sample, Random random) {
        LabeledImage image = sample.image();
        byte[] label = sample.pseudoLabel();
        double scale = minScale == maxScale ? minScale : minScale + random.nextDouble() * (maxScale - minScale);
        if (scale != 1) {
            int width = Math.max(1, (int) Math.round(image.width() * scale));
            int height = Math.max(1, (int) Math.round(image.height() * scale));
            label = label == null
                    ? null
                    : LabeledImage.resizedLabels(label, image.width(), image.height(), width, height);
            image = image.resized(width, height);
        }
        if (image.width() == cropSize && image.height() == cropSize) {
            return scale == 1 ? sample : new StreamingTrainer.Sample(image, label, sample.timestampMs());
        }
        Window x = Window.draw(image.width(), cropSize, random);
        Window y = Window.draw(image.height(), cropSize, random);
        byte[] rgb = new byte[cropSize * cropSize * 3];
        Arrays.fill(rgb, PAD_GREY);
        for (int row = 0; row < y.length; row++) {
            System.arraycopy(
                    image.rgb(),
                    ((y.from + row) * image.width() + x.from) * 3,
                    rgb,
                    ((y.to + row) * cropSize + x.to) * 3,
                    x.length * 3);
        }
        LabeledImage cropped = new LabeledImage(
                image.id(), cropSize, cropSize, rgb, cut(image.mask(), image.width(), x, y), image.labels());
        return new StreamingTrainer.Sample(cropped, cut(label, image.width(), x, y), sample.timestampMs());
    }

    /** A label map's window, {@link ClassList#IGNORE} outside the image; null stays null. */
    private byte[] cut(byte[] labels, int width, Window x, Window y) {
        if (labels == null) {
            return null;
        }
        byte[] cut = new byte[cropSize * cropSize];
        Arrays.fill(cut, (byte) ClassList.IGNORE);
        for (int row = 0; row < y.length; row++) {
            System.arraycopy(labels, (y.from + row) * width + x.from, cut, (y.to + row) * cropSize + x.to, x.length);
        }
        return cut;
    }

    /**
     * Along one axis: {@code length} pixels from {@code from} in the image go to {@code to} in the
     * crop. A longer image gives a random window of it; a shorter one lies at a random place.
     */
    private record Window(int from, int to, int length) {
        static Window draw(int imageSide, int cropSide, Random random) {
            return imageSide >= cropSide
                    ? new Window(random.nextInt(imageSide - cropSide + 1), 0, cropSide)
                    : new Window(0, random.nextInt(cropSide - imageSide + 1), imageSide);
        }
    }
}
