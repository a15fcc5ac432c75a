package io.seedstream.segmentation.data;

/**
 * The size an image is worked on at ({@code trainer.shortSide}): scaled, aspect ratio kept, so that
 * its shorter side has the given number of pixels, or, for an image longer than {@link #MAX_ASPECT}
 * to 1 (a panorama, a 1 x 2048 strip), its longer side {@code MAX_ASPECT} times that: its pixels stay
 * within {@code MAX_ASPECT} squares of the short side. Maps, seeds and predictions are computed at it
 * and scaled back to the image's own size; the trainer crops it.
 */
public record WorkingSize(int width, int height) {

    /** The longer side at most, in shorter sides. */
    public static final int MAX_ASPECT = 4;

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
        double scale = Math.min(
                (double) shortSide / Math.min(width, height),
                (double) MAX_ASPECT * shortSide / Math.max(width, height));
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
