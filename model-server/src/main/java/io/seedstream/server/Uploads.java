package io.seedstream.server;

import io.seedstream.segmentation.data.ImageCheck;
import io.seedstream.segmentation.data.ImageCodec;
import java.io.IOException;
import java.io.InputStream;

/**
 * Checks an uploaded image before any model sees it: size in bytes (read no further than the
 * limit), then {@link ImageCheck}'s rules (format by signature, PNG chunks and CRCs, dimensions from
 * the header before decoding, a complete decode). Each failure is an {@link ApiException} with its
 * 4xx status.
 */
public final class Uploads {

    private final int maxBytes;
    private final ImageCheck check;

    public Uploads(int maxBytes, int maxSide) {
        this.maxBytes = maxBytes;
        this.check = new ImageCheck(maxSide, "server.maxImageSide");
    }

    /** Reads at most the limit (plus one byte, to tell that it was exceeded). */
    public byte[] read(InputStream body, long declaredLength) throws IOException {
        if (declaredLength > maxBytes) {
            throw tooLarge(declaredLength);
        }
        byte[] bytes = body.readNBytes(maxBytes + 1);
        if (bytes.length > maxBytes) {
            throw tooLarge(-1);
        }
        return bytes;
    }

    /**
     * The pixels the image's header declares, read without decoding it; 0 when the header is unreadable
     * (decoding then refuses it with the reason). Sides above the limit are refused here (413), before
     * they count against the pixel budget as load.
     */
    public long pixels(byte[] bytes) {
        int[] size;
        try {
            size = ImageCodec.dimensions(bytes);
        } catch (IOException | RuntimeException e) {
            return 0;
        }
        try {
            check.checkSides(size[0], size[1]);
        } catch (ImageCheck.RefusedImageException e) {
            throw refused(e);
        }
        return (long) size[0] * size[1];
    }

    /** The body's image, checked by the rules the stream's records meet too. */
    public ImageCodec.Rgb decode(byte[] bytes) {
        try {
            return check.decode(bytes, null);
        } catch (ImageCheck.RefusedImageException e) {
            throw refused(e);
        }
    }

    private static ApiException refused(ImageCheck.RefusedImageException e) {
        int status =
                switch (e.problem()) {
                    case NOT_AN_IMAGE, UNSUPPORTED_FORMAT -> 415;
                    case TOO_LARGE -> 413;
                    case EMPTY, WRONG_FORMAT_FIELD, UNREADABLE -> 400;
                };
        return new ApiException(status, e.getMessage());
    }

    private ApiException tooLarge(long length) {
        return new ApiException(
                413,
                "the upload is " + (length < 0 ? "more than " + maxBytes : length) + " bytes; the limit is " + maxBytes
                        + " (server.maxUploadBytes)");
    }
}
