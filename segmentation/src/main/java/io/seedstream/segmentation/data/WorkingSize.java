package io.seedstream.segmentation.data;

/**
 * The size an image is worked on at ({@code trainer.shortSide}): scaled, aspect ratio kept, so that
 * its shorter side has the given number of pixels. Maps, seeds and predictions are computed at it and
 * scaled back to the image's own size; the trainer crops it.
 */
public record WorkingSize(int width, int height) {

    public WorkingSize {
        if (width < 1 || height < 1) {
            throw new IllegalArgumentException("a working size is at least 1 x 1, was " + width + " x " + height);
        }
    }

    /** The working size of a {@code width x height} image. */
    public static WorkingSize of(int width, int height, int shortSide) {
        if (width < 1 || height < 1 || shortSide < 1) {
            throw new IllegalArgumentException(
                    "image " + width + " x " + height + " or short side " + shortSide + " is empty");
        }
        double scale = (double) shortSide / Math.min(width, height);
        return new WorkingSize(
                Math.max(1, (int) Math.round(width * scale)), Math.max(1, (int) Math.round(height * scale)));
    }

    /** The image (mask included) at its working size; the image itself when it is that size already. */
    public static LabeledImage scale(LabeledImage image, int shortSide) {
        WorkingSize size = of(image.width(), image.height(), shortSide);
        return size.width() == image.width() && size.height() == image.height()
                ? image
                : image.resized(size.width(), size.height());
    }
}
