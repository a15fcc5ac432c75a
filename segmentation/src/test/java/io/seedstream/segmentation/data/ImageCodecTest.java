package io.seedstream.segmentation.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class ImageCodecTest {

    @Test
    void pngImagesAndMasksRoundTripAndTheHeaderGivesTheSize() throws IOException {
        byte[] rgb = {10, 20, 30, 40, 50, 60, 70, 80, 90, (byte) 200, (byte) 210, (byte) 220, 1, 2, 3, 4, 5, 6};
        byte[] png = ImageCodec.encodePng(3, 2, rgb);
        assertThat(ImageCodec.dimensions(png)).containsExactly(3, 2);
        ImageCodec.Rgb decoded = ImageCodec.decodeRgb(png);
        assertThat(decoded.pixels()).containsExactly(rgb);

        byte[] mask = {0, 1, 2, (byte) 255, 1, 0};
        assertThat(ImageCodec.decodeMask(ImageCodec.encodeMask(3, 2, mask), 3, 2))
                .containsExactly(mask);
        assertThatThrownBy(() -> ImageCodec.decodeMask(ImageCodec.encodeMask(3, 2, mask), 2, 3))
                .hasMessageContaining("mask is 3x2 but its image is 2x3");
    }

    @Test
    void brokenDataIsRefusedWithAReason() throws IOException {
        byte[] png = ImageCodec.encodePng(8, 8, new byte[8 * 8 * 3]);
        assertThatThrownBy(() -> ImageCodec.decodeRgb(Arrays.copyOf(png, png.length / 2)))
                .isInstanceOf(IOException.class);
        // without its last chunk the JDK would decode it silently
        assertThatThrownBy(() -> ImageCodec.decodeRgb(Arrays.copyOf(png, png.length - 12)))
                .hasMessageContaining("truncated PNG");
        byte[] jpeg = {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF, (byte) 0xE0, 0, 16};
        assertThatThrownBy(() -> ImageCodec.decodeRgb(jpeg)).hasMessageContaining("truncated JPEG");
        assertThatThrownBy(() -> ImageCodec.dimensions("hello".getBytes())).hasMessageContaining("not an image");
        assertThatThrownBy(() -> ImageCodec.decodeRgb(new byte[0])).isInstanceOf(IOException.class);
    }
}
