package io.seedstream.server;

import io.seedstream.records.Bytes;
import io.seedstream.records.LabeledImageRecord;
import io.seedstream.segmentation.data.ClassList;
import io.seedstream.segmentation.data.ImageCodec;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.TreeSet;

/**
 * A person's answer to a label request, checked and turned into the labeled image it becomes on
 * images.labeled (same id as the request). The labels are the ticked classes plus the classes
 * painted in the mask, if one is uploaded. Unknown class names, a mask that is not a one-band PNG
 * of the image's size with class ids, and an answer naming no class are refused (400) with a
 * reason a person can act on.
 */
final class LabelSubmission {

    static final String SOURCE = "labeling page";

    private LabelSubmission() {}

    /**
     * @param ticked class names as submitted (blank entries ignored)
     * @param mask the uploaded mask file, or null
     */
    static LabeledImageRecord answer(
            LabelQueue.Pending pending, ClassList classes, List<String> ticked, byte[] mask, long nowMs) {
        TreeSet<Integer> labels = new TreeSet<>();
        boolean backgroundTicked = false;
        for (String name : ticked) {
            if (name.isBlank()) {
                continue;
            }
            int id = classes.names().indexOf(name.strip());
            if (id < 0) {
                throw new ApiException(
                        400, "unknown class '" + name.strip() + "'; the classes are " + classes.foregroundNames());
            }
            if (id == classes.background()) { // in every image already: the labels name the objects
                backgroundTicked = true;
            } else {
                labels.add(id);
            }
        }
        byte[] image = Bytes.toArray(pending.image().getImage());
        byte[] checkedMask = mask == null || mask.length == 0 ? null : checkMask(mask, image, classes, labels);
        if (labels.isEmpty()) {
            throw new ApiException(
                    400,
                    "empty answer for '" + pending.id() + "': tick the classes present in the image"
                            + (checkedMask == null ? " (or upload a mask)" : "; the mask shows none")
                            + (backgroundTicked
                                    ? "; '" + classes.names().get(classes.background())
                                            + "' is in every image, so it names none"
                                    : ""));
        }
        return LabeledImageRecord.newBuilder()
                .setId(pending.id())
                .setImage(ByteBuffer.wrap(image))
                .setFormat(pending.image().getFormat())
                .setLabels(labels.stream().map(classes.names()::get).toList())
                .setMask(checkedMask == null ? null : ByteBuffer.wrap(checkedMask))
                .setSource(SOURCE)
                .setTimestampMs(nowMs)
                .build();
    }

    /** The mask re-encoded as an 8-bit grey PNG; the foreground classes it shows are added to the labels. */
    private static byte[] checkMask(byte[] encoded, byte[] image, ClassList classes, TreeSet<Integer> labels) {
        if (!ImageCodec.isPng(encoded)) {
            throw new ApiException(
                    400,
                    "the mask must be a PNG (one grey band, pixel value = class id, " + ClassList.IGNORE
                            + " = not labeled)");
        }
        int[] size;
        byte[] mask;
        try {
            size = ImageCodec.dimensions(image);
            int[] maskSize = ImageCodec.dimensions(encoded); // from the header: a small file may claim a huge size
            if (maskSize[0] != size[0] || maskSize[1] != size[1]) {
                throw new ApiException(
                        400,
                        "the mask is " + maskSize[0] + "x" + maskSize[1] + " but its image is " + size[0] + "x"
                                + size[1]);
            }
            mask = ImageCodec.decodeMask(encoded, size[0], size[1]);
        } catch (IOException e) {
            throw new ApiException(400, "unusable mask: " + e.getMessage());
        }
        for (byte value : mask) {
            int id = value & 0xFF;
            if (id == ClassList.IGNORE || id == classes.background()) {
                continue;
            }
            if (id >= classes.size()) {
                throw new ApiException(
                        400,
                        "mask value " + id + " is not a class id (0.." + (classes.size() - 1) + ", or "
                                + ClassList.IGNORE + " for pixels not labeled)");
            }
            labels.add(id);
        }
        try {
            return ImageCodec.encodeMask(size[0], size[1], mask);
        } catch (IOException e) {
            throw new IllegalStateException("could not re-encode a checked mask", e);
        }
    }
}
