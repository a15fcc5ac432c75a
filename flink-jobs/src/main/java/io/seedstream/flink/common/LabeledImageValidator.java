package io.seedstream.flink.common;

import io.seedstream.records.Bytes;
import io.seedstream.records.InvalidRecordException;
import io.seedstream.records.LabeledImageRecord;
import io.seedstream.records.RecordCodec;
import io.seedstream.segmentation.data.ClassList;
import io.seedstream.segmentation.data.ImageCheck;
import io.seedstream.segmentation.data.ImageCodec;
import io.seedstream.segmentation.data.LabeledImage;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;

/**
 * Checks a message from the labeled-images topic and turns it into a {@link LabeledImage}, or says
 * exactly what is wrong with it (the reason a dead letter carries): undecodable bytes, a missing
 * id, an image {@link ImageCheck} refuses (the model server refuses the same ones), an unknown
 * class, a mask that does not fit.
 */
public final class LabeledImageValidator {

    private final ClassList classes;
    private final ImageCheck imageCheck;

    public LabeledImageValidator(ClassList classes, int maxImageSide) {
        this.classes = classes;
        this.imageCheck = new ImageCheck(maxImageSide, "stream.maxImageSide");
    }

    public LabeledImage validate(byte[] message) throws InvalidRecordException {
        return validate(RecordCodec.LABELED_IMAGE.decode(message));
    }

    public LabeledImage validate(LabeledImageRecord record) throws InvalidRecordException {
        String id = record.getId();
        if (id == null || id.isBlank()) {
            throw new InvalidRecordException("the image has no id");
        }
        ImageCodec.Rgb rgb;
        try {
            rgb = imageCheck.decode(Bytes.toArray(record.getImage()), record.getFormat());
        } catch (ImageCheck.RefusedImageException e) {
            throw new InvalidRecordException(id + ": " + e.getMessage(), e);
        }
        int[] labels = labels(id, record.getLabels());
        byte[] mask =
                record.getMask() == null ? null : mask(id, Bytes.toArray(record.getMask()), rgb.width(), rgb.height());
        return new LabeledImage(id, rgb.width(), rgb.height(), rgb.pixels(), mask, labels);
    }

    private int[] labels(String id, List<String> names) throws InvalidRecordException {
        int[] ids = new int[names.size()];
        for (int i = 0; i < ids.length; i++) {
            String name = names.get(i);
            int classId = classes.names().indexOf(name);
            if (classId < 0 || classId == classes.background()) {
                throw new InvalidRecordException(
                        id + ": unknown class '" + name + "'; known: " + classes.foregroundNames());
            }
            ids[i] = classId;
        }
        return Arrays.stream(ids).distinct().toArray();
    }

    private byte[] mask(String id, byte[] encoded, int width, int height) throws InvalidRecordException {
        byte[] mask;
        try {
            mask = ImageCodec.decodeMask(encoded, width, height);
        } catch (IOException e) {
            throw new InvalidRecordException(id + ": bad mask: " + e.getMessage(), e);
        }
        for (byte value : mask) {
            int classId = value & 0xFF;
            if (classId >= classes.size() && classId != ClassList.IGNORE) {
                throw new InvalidRecordException(id + ": mask value " + classId + " is not a class id (0.."
                        + (classes.size() - 1) + ", or " + ClassList.IGNORE + " for unlabeled pixels)");
            }
        }
        return mask;
    }
}
