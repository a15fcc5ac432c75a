package io.seedstream.segmentation.data;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Set;

/**
 * The rules every image sent to SeedStream meets, in one place: the model server's uploads and the
 * stream's records are taken in the same formats and refused for the same reasons, in the same words.
 */
public final class ImageCheck {

    /** Why an image was refused; the server answers each with its own HTTP status. */
    public enum Problem {
        EMPTY,
        NOT_AN_IMAGE,
        UNSUPPORTED_FORMAT,
        WRONG_FORMAT_FIELD,
        UNREADABLE,
        TOO_LARGE
    }

    /** An image refused, with the reason a person can act on. */
    public static final class RefusedImageException extends Exception {
        private final Problem problem;

        RefusedImageException(Problem problem, String message) {
            super(message);
            this.problem = problem;
        }

        public Problem problem() {
            return problem;
        }
    }

    /** The formats taken, as records name them. */
    public static final Set<String> FORMATS = Set.of("png", "jpeg");

    private final int maxSide;
    private final String maxSideSetting;

    /** {@code maxSideSetting}: the setting that holds {@code maxSide}, named in refusals. */
    public ImageCheck(int maxSide, String maxSideSetting) {
        this.maxSide = maxSide;
        this.maxSideSetting = maxSideSetting;
    }

    /** The decoded image, or the reason it is refused; {@code declared}: the format a record says it holds, or null. */
    public ImageCodec.Rgb decode(byte[] bytes, String declared) throws RefusedImageException {
        if (bytes.length == 0) {
            throw new RefusedImageException(Problem.EMPTY, "the image is 0 bytes");
        }
        String format = formatOf(bytes);
        if (format == null) {
            throw new RefusedImageException(Problem.NOT_AN_IMAGE, "not an image: send PNG or JPEG");
        }
        if (!FORMATS.contains(format)) {
            throw new RefusedImageException(
                    Problem.UNSUPPORTED_FORMAT, "a " + format.toUpperCase(Locale.ROOT) + " image: send PNG or JPEG");
        }
        if (declared != null && !declared.equalsIgnoreCase(format)) {
            throw new RefusedImageException(
                    Problem.WRONG_FORMAT_FIELD,
                    "the record's format is '" + declared + "' but its bytes are " + format.toUpperCase(Locale.ROOT));
        }
        try {
            int[] size = ImageCodec.dimensions(bytes);
            checkSides(size[0], size[1]);
            return ImageCodec.decodeRgb(bytes); // whole, and for a PNG every chunk matching its CRC
        } catch (IOException e) {
            throw new RefusedImageException(Problem.UNREADABLE, "unreadable image: " + e.getMessage());
        }
    }

    /** Refuses sides above the limit, as read from an image's header before it is decoded. */
    public void checkSides(int width, int height) throws RefusedImageException {
        if (width > maxSide || height > maxSide) {
            throw new RefusedImageException(
                    Problem.TOO_LARGE,
                    "the image is " + width + "x" + height + " pixels; the limit is " + maxSide + " on a side ("
                            + maxSideSetting + ")");
        }
    }

    /** The format the first bytes name: png and jpeg (taken), gif, bmp, webp and tiff (refused by name), or null. */
    static String formatOf(byte[] bytes) {
        if (ImageCodec.isPng(bytes)) {
            return "png";
        }
        if (ImageCodec.isJpeg(bytes)) {
            return "jpeg";
        }
        String head = new String(bytes, 0, Math.min(bytes.length, 12), StandardCharsets.ISO_8859_1);
        if (head.startsWith("GIF87a") || head.startsWith("GIF89a")) {
            return "gif";
        }
        if (head.startsWith("BM")) {
            return "bmp";
        }
        if (head.startsWith("RIFF") && head.length() == 12 && head.endsWith("WEBP")) {
            return "webp";
        }
        if (head.startsWith("II*\0") || head.startsWith("MM\0*")) {
            return "tiff";
        }
        return null;
    }
}
