package io.seedstream.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.seedstream.segmentation.data.ImageCodec;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

class UploadsTest {

    private final Uploads uploads = new Uploads(4096, 64);

    static byte[] encoded(String format, int width, int height) throws Exception {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        image.setRGB(1, 1, 0xFF0000);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(image, format, out);
        return out.toByteArray();
    }

    private static void refused(Runnable upload, int status, String reason) {
        assertThatThrownBy(upload::run).isInstanceOfSatisfying(ApiException.class, e -> {
            assertThat(e.status()).isEqualTo(status);
            assertThat(e.getMessage()).contains(reason);
        });
    }

    @Test
    void decodesPngAndJpeg() throws Exception {
        ImageCodec.Rgb png = uploads.decode(encoded("png", 8, 6));
        assertThat(png.width()).isEqualTo(8);
        assertThat(png.height()).isEqualTo(6);
        assertThat(png.pixels()[(1 * 8 + 1) * 3] & 0xFF).isEqualTo(255); // the red pixel
        assertThat(uploads.decode(encoded("jpeg", 8, 6)).width()).isEqualTo(8);
    }

    @Test
    void refusesEachKindOfBadUploadWithItsStatus() throws Exception {
        byte[] png = encoded("png", 8, 6);
        refused(() -> uploads.decode(new byte[0]), 400, "the image is 0 bytes");
        refused(() -> uploads.decode("hello, not an image".getBytes()), 415, "not an image");
        refused(
                () -> uploads.decode(encodedUnchecked("gif")),
                415,
                "a GIF image: send PNG or JPEG"); // as the stream says it
        refused(() -> uploads.decode(Arrays.copyOf(png, png.length - 20)), 400, "truncated PNG");
        refused(() -> uploads.decode(encodedUnchecked("png", 65, 10)), 413, "65x10");
    }

    @Test
    void readsNoFurtherThanTheLimit() throws Exception {
        refused(() -> read(new byte[5000], 5000), 413, "5000 bytes");
        refused(() -> read(new byte[5000], -1), 413, "more than 4096"); // no Content-Length: counted while reading
        assertThat(uploads.read(new ByteArrayInputStream(new byte[4096]), -1)).hasSize(4096);
    }

    private void read(byte[] body, long declared) {
        try {
            uploads.read(new ByteArrayInputStream(body), declared);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] encodedUnchecked(String format) {
        return encodedUnchecked(format, 8, 6);
    }

    private static byte[] encodedUnchecked(String format, int width, int height) {
        try {
            return encoded(format, width, height);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
