package io.seedstream.segmentation.train;

import io.seedstream.segmentation.data.LabeledImage;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * The byte format of {@link StreamingTrainer#save()}: a header (a magic number and the format
 * version; version 1 had none), the samples the learners buffer, written once, each learner's
 * weights, optimizer and bookkeeping, and the evaluation images. A release reads every earlier
 * version and refuses a later one with what to do about it.
 */
final class TrainerStateFormat {

    /** "SSTR": marks the format from version 2 on. */
    static final int MAGIC = 0x53535452;

    /**
     * 2: the affinity head's learner; samples written once, learners refer to them. 3: the served
     * weights. 4: how often each buffered sample was trained on. 5: the weights' moving average.
     */
    static final int VERSION = 5;

    private TrainerStateFormat() {}

    static void writeHeader(DataOutputStream out) throws IOException {
        out.writeInt(MAGIC);
        out.writeInt(VERSION);
    }

    /** Reads the header if there is one: the state's format version (1 without a header). */
    static int readVersion(byte[] saved, DataInputStream in) throws IOException {
        if (saved.length < 8 || ByteBuffer.wrap(saved).getInt() != MAGIC) {
            return 1;
        }
        in.readInt();
        int version = in.readInt();
        if (version < 2 || version > VERSION) {
            throw new IOException("trainer state version " + version + " is not one this release reads (1 to " + VERSION
                    + "): run the release that wrote it, or start the trainer job without that checkpoint (training"
                    + " starts afresh; the published models stay on the models topic)");
        }
        return version;
    }

    /** How a learner's buffer and new samples are written: by index into the state's table of samples. */
    interface SampleWriter {
        void write(List<StreamingTrainer.Sample> samples) throws IOException;
    }

    /** How a learner's samples are read back: by index into the table (version 2), or in full (version 1). */
    interface SampleReader {
        List<StreamingTrainer.Sample> read() throws IOException;
    }

    static void writeSamples(DataOutputStream out, List<StreamingTrainer.Sample> samples) throws IOException {
        writeImages(out, samples.stream().map(StreamingTrainer.Sample::image).toList());
        for (StreamingTrainer.Sample sample : samples) {
            writeBytes(out, sample.pseudoLabel());
            out.writeLong(sample.timestampMs());
        }
    }

    static List<StreamingTrainer.Sample> readSamples(DataInputStream in) throws IOException {
        List<LabeledImage> images = readImages(in);
        List<StreamingTrainer.Sample> samples = new ArrayList<>();
        for (LabeledImage image : images) {
            samples.add(new StreamingTrainer.Sample(image, readBytes(in), in.readLong()));
        }
        return samples;
    }

    static void writeImages(DataOutputStream out, List<LabeledImage> images) throws IOException {
        out.writeInt(images.size());
        for (LabeledImage image : images) {
            out.writeUTF(image.id());
            out.writeInt(image.width());
            out.writeInt(image.height());
            out.write(image.rgb());
            writeBytes(out, image.mask());
            out.writeInt(image.labels().length);
            for (int label : image.labels()) {
                out.writeInt(label);
            }
        }
    }

    static List<LabeledImage> readImages(DataInputStream in) throws IOException {
        int count = in.readInt();
        List<LabeledImage> images = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            String id = in.readUTF();
            int width = in.readInt();
            int height = in.readInt();
            byte[] rgb = in.readNBytes(width * height * 3);
            byte[] mask = readBytes(in);
            int[] labels = new int[in.readInt()];
            for (int j = 0; j < labels.length; j++) {
                labels[j] = in.readInt();
            }
            images.add(new LabeledImage(id, width, height, rgb, mask, labels));
        }
        return images;
    }

    /** Length-prefixed bytes, -1 for null. */
    private static void writeBytes(DataOutputStream out, byte[] bytes) throws IOException {
        out.writeInt(bytes == null ? -1 : bytes.length);
        if (bytes != null) {
            out.write(bytes);
        }
    }

    private static byte[] readBytes(DataInputStream in) throws IOException {
        int length = in.readInt();
        return length < 0 ? null : in.readNBytes(length);
    }
}
