package io.seedstream.records;

import io.seedstream.segmentation.data.ClassList;
import io.seedstream.segmentation.data.ImageCodec;
import io.seedstream.segmentation.data.LabeledImage;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;

/** A labeled image as the message producers send: PNG pixels, class names, the mask (if kept) as a PNG. */
public final class ImageRecords {

    private ImageRecords() {}

    /** @param withMask whether to send the image's mask along (when it has one) */
    public static byte[] encode(
            LabeledImage image, ClassList classes, boolean withMask, String source, long timestampMs)
            throws IOException {
        LabeledImageRecord.Builder record = LabeledImageRecord.newBuilder()
                .setId(image.id())
                .setImage(ByteBuffer.wrap(ImageCodec.encodePng(image.width(), image.height(), image.rgb())))
                .setFormat("png")
                .setLabels(Arrays.stream(image.labels())
                        .mapToObj(id -> classes.names().get(id))
                        .toList())
                .setSource(source)
                .setTimestampMs(timestampMs);
        if (withMask && image.hasMask()) {
            record.setMask(ByteBuffer.wrap(ImageCodec.encodeMask(image.width(), image.height(), image.mask())));
        }
        return RecordCodec.LABELED_IMAGE.encode(record.build());
    }
}
