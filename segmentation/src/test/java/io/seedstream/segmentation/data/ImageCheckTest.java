package io.seedstream.segmentation.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.seedstream.segmentation.data.ImageCheck.Problem;
import io.seedstream.segmentation.data.ImageCheck.RefusedImageException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class ImageCheckTest {

    private final ImageCheck check = new ImageCheck(64, "x.maxSide");

    private static byte[] png(int width, int height) throws Exception {
        return ImageCodec.encodePng(width, height, new byte[width * height * 3]);
    }

    private void assertRefused(byte[] bytes, String declared, Problem problem, String message) {
        assertThatThrownBy(() -> check.decode(bytes, declared))
                .isInstanceOfSatisfying(RefusedImageException.class, e -> {
                    assertThat(e.problem()).isEqualTo(problem);
                    assertThat(e.getMessage()).isEqualTo(message);
                });
    }

    @Test
    void aPngOrAJpegWithinTheLimitIsDecoded() throws Exception {
        assertThat(check.decode(png(4, 2), "png").width()).isEqualTo(4);
        assertThat(check.decode(png(64, 64), null).height()).isEqualTo(64);
    }

    @Test
    void eachRefusalHasItsProblemAndReason() throws Exception {
        assertRefused(new byte[0], null, Problem.EMPTY, "the image is 0 bytes");
        assertRefused(
                "plain text".getBytes(StandardCharsets.UTF_8),
                null,
                Problem.NOT_AN_IMAGE,
                "not an image: send PNG or JPEG");
        assertRefused(
                "GIF89a....".getBytes(StandardCharsets.ISO_8859_1),
                null,
                Problem.UNSUPPORTED_FORMAT,
                "a GIF image: send PNG or JPEG");
        assertRefused(
                "RIFF\0\0\0\0WEBPVP8 ".getBytes(StandardCharsets.ISO_8859_1),
                null,
                Problem.UNSUPPORTED_FORMAT,
                "a WEBP image: send PNG or JPEG");
        assertRefused(
                "BM6\0\0\0".getBytes(StandardCharsets.ISO_8859_1),
                null,
                Problem.UNSUPPORTED_FORMAT,
                "a BMP image: send PNG or JPEG");
        assertRefused(
                png(4, 2), "jpeg", Problem.WRONG_FORMAT_FIELD, "the record's format is 'jpeg' but its bytes are PNG");
        assertRefused(
                png(65, 8), null, Problem.TOO_LARGE, "the image is 65x8 pixels; the limit is 64 on a side (x.maxSide)");
    }

    @Test
    void aPngMustBeWholeAndMatchItsChecksums() throws Exception {
        byte[] good = png(4, 2);
        // IEND is the last 12 bytes: without it the image data is all there, but the file was cut short
        assertRefused(
                Arrays.copyOf(good, good.length - 12),
                null,
                Problem.UNREADABLE,
                "unreadable image: truncated PNG (no IEND chunk)");
        int idat = indexOf(good, "IDAT");
        assertRefused(
                Arrays.copyOf(good, idat + 10),
                null,
                Problem.UNREADABLE,
                "unreadable image: truncated PNG (chunk IDAT runs past the end)");
        byte[] flipped = good.clone();
        flipped[idat + 4] ^= 1; // the first byte of the compressed pixels
        assertRefused(flipped, null, Problem.UNREADABLE, "unreadable image: corrupt PNG (chunk IDAT fails its CRC)");
    }

    private static int indexOf(byte[] bytes, String type) {
        byte[] wanted = type.getBytes(StandardCharsets.ISO_8859_1);
        for (int i = 0; i + wanted.length <= bytes.length; i++) {
            if (Arrays.equals(bytes, i, i + wanted.length, wanted, 0, wanted.length)) {
                return i;
            }
        }
        throw new AssertionError(type + " not found");
    }
}
