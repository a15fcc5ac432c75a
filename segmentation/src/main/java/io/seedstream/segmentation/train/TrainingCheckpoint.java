package io.seedstream.segmentation.train;

import io.seedstream.segmentation.snapshot.ModelSnapshot;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A model in training, as bytes: its snapshot and its optimizer's state. What a streaming trainer
 * keeps in checkpointed state so that a restart resumes training instead of starting over.
 */
public record TrainingCheckpoint(ModelSnapshot model, AdamUpdates.State optimizer) {

    public byte[] toBytes() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            byte[] snapshot = model.toBytes();
            out.writeInt(snapshot.length);
            out.write(snapshot);
            out.writeLong(optimizer.steps());
            writeArrays(out, optimizer.firstMoments());
            writeArrays(out, optimizer.secondMoments());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    public static TrainingCheckpoint fromBytes(byte[] bytes) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
            ModelSnapshot model = ModelSnapshot.fromBytes(in.readNBytes(in.readInt()));
            long steps = in.readLong();
            return new TrainingCheckpoint(model, new AdamUpdates.State(steps, readArrays(in), readArrays(in)));
        } catch (IOException e) {
            throw new ModelSnapshot.InvalidSnapshotException("unreadable training checkpoint: " + e.getMessage());
        }
    }

    private static void writeArrays(DataOutputStream out, Map<String, float[]> arrays) throws IOException {
        out.writeInt(arrays.size());
        for (Map.Entry<String, float[]> e : arrays.entrySet()) {
            out.writeUTF(e.getKey());
            ByteBuffer values =
                    ByteBuffer.allocate(e.getValue().length * Float.BYTES); // big-endian, as DataInput reads
            values.asFloatBuffer().put(e.getValue());
            out.writeInt(e.getValue().length);
            out.write(values.array());
        }
    }

    private static Map<String, float[]> readArrays(DataInputStream in) throws IOException {
        Map<String, float[]> arrays = new LinkedHashMap<>();
        int count = in.readInt();
        for (int i = 0; i < count; i++) {
            String name = in.readUTF();
            float[] values = new float[in.readInt()];
            ByteBuffer.wrap(in.readNBytes(values.length * Float.BYTES))
                    .asFloatBuffer()
                    .get(values);
            arrays.put(name, values);
        }
        return arrays;
    }
}
