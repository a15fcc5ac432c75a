package io.seedstream.server;

import io.seedstream.segmentation.data.ImageCodec;
import java.io.IOException;
import java.io.InputStream;

/**
 * Checks an uploaded image before any model sees it: size in bytes (read no further than the
 * limit), format (PNG or JPEG, by its signature), dimensions (from the header, before decoding), and
 * then that it decodes completely. Each failure is an {@link ApiException} with its 4xx status.
 */
public final class Uploads {

    private final int maxBytes;
    private final int maxSide;

    public Uploads(int maxBytes, int maxSide) {
        this.maxBytes = maxBytes;
        this.maxSide = maxSide;
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

    public ImageCodec.Rgb decode(byte[] bytes) {
        if (bytes.length == 0) {
            throw new ApiException(400, "the request body is empty: send the image's bytes (PNG or JPEG) as the body");
        }
        if (!ImageCodec.isPng(bytes) && !ImageCodec.isJpeg(bytes)) {
            String what;
            try {
                ImageCodec.dimensions(bytes);
                what = "an image in a format this server does not take";
            } catch (IOException e) {
                what = "not an image";
            }
            throw new ApiException(415, "the body is " + what + ": send PNG or JPEG");
        }
        int[] size;
        try {
            size = ImageCodec.dimensions(bytes);
        } catch (IOException e) {
            throw new ApiException(400, "unreadable image: " + e.getMessage());
        }
        if (size[0] > maxSide || size[1] > maxSide) {
            throw new ApiException(413, "the image is " + size[0] + "x" + size[1] + " pixels; the limit is " + maxSide
                    + " on a side (server.maxImageSide)");
        }
        try {
            return ImageCodec.decodeRgb(bytes);
        } catch (IOException e) {
            throw new ApiException(400, "unreadable image: " + e.getMessage());
        }
    }

    private ApiException tooLarge(long length) {
        return new ApiException(413, "the upload is " + (length < 0 ? "more than " + maxBytes : length) + " bytes; the limit is "
                + maxBytes + " (server.maxUploadBytes)");
    }
}
