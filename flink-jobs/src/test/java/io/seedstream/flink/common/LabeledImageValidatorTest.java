package io.seedstream.flink.common;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.seedstream.records.InvalidRecordException;
import io.seedstream.records.LabeledImageRecord;
import io.seedstream.records.RecordCodec;
import io.seedstream.segmentation.data.ClassList;
import io.seedstream.segmentation.data.ImageCodec;
import io.seedstream.segmentation.data.LabeledImage;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class LabeledImageValidatorTest {

    private static final ClassList CLASSES = new ClassList(List.of("background", "cat", "dog"), true);
    private final LabeledImageValidator validator = new LabeledImageValidator(CLASSES, 64);

    private static LabeledImageRecord.Builder record(byte[] image, String... labels) {
        return LabeledImageRecord.newBuilder()
                .setId("img-1")
                .setImage(ByteBuffer.wrap(image))
                .setFormat("png")
                .setLabels(List.of(labels))
                .setTimestampMs(1L);
    }

    private static byte[] png(int width, int height) throws IOException {
        return ImageCodec.encodePng(width, height, new byte[width * height * 3]);
    }

    @Test
    void aGoodRecordBecomesALabeledImage() throws Exception {
        byte[] mask = ImageCodec.encodeMask(4, 2, new byte[] {0, 1, 1, 0, 0, 2, (byte) 255, 0});
        byte[] message = RecordCodec.LABELED_IMAGE.encode(
                record(png(4, 2), "dog", "cat").setMask(ByteBuffer.wrap(mask)).build());
        LabeledImage image = validator.validate(message);
        assertThat(image.width()).isEqualTo(4);
        assertThat(image.labels()).containsExactly(1, 2);
        assertThat(image.mask()).containsExactly(0, 1, 1, 0, 0, 2, (byte) 255, 0);
    }

    @Test
    void everyKindOfBadInputIsRefusedWithItsReason() throws Exception {
        byte[] good = png(4, 2);
        assertThatThrownBy(() -> validator.validate("plain text".getBytes()))
                .hasMessageContaining("not a SeedStream record");
        assertThatThrownBy(() -> validator.validate(
                        record("not an image".getBytes(), "cat").build()))
                .hasMessageContaining("img-1: not an image");
        assertThatThrownBy(() -> validator.validate(
                        record(Arrays.copyOf(good, good.length - 12), "cat").build()))
                .isInstanceOf(InvalidRecordException.class)
                .hasMessageContaining("img-1: unreadable image: truncated PNG");
        assertThatThrownBy(() -> validator.validate(record(new byte[0], "cat").build()))
                .hasMessageContaining("0 bytes");
        assertThatThrownBy(() -> validator.validate(record(png(65, 8), "cat").build()))
                .hasMessage("img-1: the image is 65x8 pixels; the limit is 64 on a side (stream.maxImageSide)");
        byte[] gif = "GIF89a and the rest".getBytes(StandardCharsets.ISO_8859_1); // the server refuses it alike
        assertThatThrownBy(() -> validator.validate(record(gif, "cat").build()))
                .hasMessage("img-1: a GIF image: send PNG or JPEG");
        assertThatThrownBy(() ->
                        validator.validate(record(good, "cat").setFormat("jpeg").build()))
                .hasMessage("img-1: the record's format is 'jpeg' but its bytes are PNG");
        assertThatThrownBy(() -> validator.validate(record(good, "horse").build()))
                .hasMessageContaining("unknown class 'horse'; known: [cat, dog]");
        assertThatThrownBy(() -> validator.validate(record(good, "background").build()))
                .hasMessageContaining("unknown class");
        byte[] smallMask = ImageCodec.encodeMask(2, 2, new byte[4]);
        assertThatThrownBy(() -> validator.validate(
                        record(good, "cat").setMask(ByteBuffer.wrap(smallMask)).build()))
                .hasMessageContaining("bad mask: mask is 2x2 but its image is 4x2");
        byte[] badValues = ImageCodec.encodeMask(4, 2, new byte[] {0, 7, 0, 0, 0, 0, 0, 0});
        assertThatThrownBy(() -> validator.validate(
                        record(good, "cat").setMask(ByteBuffer.wrap(badValues)).build()))
                .hasMessageContaining("mask value 7 is not a class id");
        assertThatThrownBy(
                        () -> validator.validate(record(good, "cat").setId(" ").build()))
                .hasMessageContaining("no id");
    }
}
