package io.seedstream.segmentation.snapshot;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.google.gson.Gson;
import com.google.gson.JsonElement;
import com.google.gson.JsonParseException;
import io.seedstream.segmentation.nn.AffinityArchitecture;
import io.seedstream.segmentation.nn.AffinityHead;
import io.seedstream.segmentation.nn.Architecture;
import io.seedstream.segmentation.nn.Classifier;
import io.seedstream.segmentation.nn.ClassifierArchitecture;
import io.seedstream.segmentation.nn.ModelName;
import io.seedstream.segmentation.nn.Network;
import io.seedstream.segmentation.nn.Segmenter;
import io.seedstream.segmentation.nn.SegmenterArchitecture;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A model as bytes: name, version, architecture, class list, the parameters, and the SHA-256 of the
 * parameter bytes. Loading checks the checksum and that the architecture is the one expected, so a
 * corrupted or mismatched snapshot fails with a clear error instead of producing nonsense.
 *
 * <p>Format: "SSNP", format version, JSON header length and header, then each parameter's floats
 * (little-endian) in header order.
 */
public record ModelSnapshot(
        String name,
        long version,
        Architecture architecture,
        List<String> classes,
        Map<String, float[]> parameters,
        String sha256) {

    private static final int MAGIC = 0x53534E50; // "SSNP"
    private static final int FORMAT_VERSION = 2; // 2: the architecture names its kind (classifier or segmenter)
    private static final Gson GSON = new Gson();

    /** Thrown when bytes are not a usable snapshot; the message says why. */
    public static final class InvalidSnapshotException extends RuntimeException {
        public InvalidSnapshotException(String message) {
            super(message);
        }
    }

    private record Header(
            String name,
            long version,
            String kind,
            JsonElement architecture,
            List<String> classes,
            List<String> parameterNames,
            List<Integer> parameterSizes,
            String sha256) {}

    public ModelSnapshot {
        classes = List.copyOf(classes);
        parameters = Collections.unmodifiableMap(new LinkedHashMap<>(parameters));
    }

    /** Captures a network's current parameters. */
    public static ModelSnapshot of(String name, long version, Network model, List<String> classes) {
        Map<String, float[]> values = new LinkedHashMap<>();
        for (Map.Entry<String, NDArray> e : model.parameters().all().entrySet()) {
            values.put(e.getKey(), e.getValue().toFloatArray());
        }
        return of(name, version, model.architecture(), classes, values);
    }

    /** A snapshot of given parameter values (for example a moving average of a network's weights). */
    public static ModelSnapshot of(
            String name, long version, Architecture architecture, List<String> classes, Map<String, float[]> values) {
        return new ModelSnapshot(name, version, architecture, classes, values, sha256(values));
    }

    /** Copies the parameters into {@code model}, whose architecture must be this snapshot's. */
    public void loadInto(Network model) {
        if (!model.architecture().equals(architecture)) {
            throw new InvalidSnapshotException("snapshot '" + name + "' v" + version + " has architecture "
                    + architecture + ", the model has " + model.architecture());
        }
        model.parameters().load(parameters);
    }

    /**
     * Checks that this snapshot may serve as model {@code servedAs} (the classifier, the segmenter or the affinity head,
     * by the name it was published under) for {@code classes}; throws {@link InvalidSnapshotException}
     * with the reason when not.
     */
    public ModelSnapshot requireServable(String servedAs, List<String> classes) {
        if (!this.classes.equals(classes)) {
            throw new InvalidSnapshotException(
                    "the snapshot's classes " + this.classes + " are not the served " + classes);
        }
        String expected = servedAs.equals(ModelName.CLASSIFIER.id())
                ? ModelName.CLASSIFIER.id()
                : servedAs.equals(ModelName.SEGMENTER.id())
                        ? ModelName.SEGMENTER.id()
                        : servedAs.equals(ModelName.AFFINITY.id()) ? ModelName.AFFINITY.id() : null;
        if (expected == null) {
            throw new InvalidSnapshotException("unknown model name '" + servedAs + "'");
        }
        if (!architecture.kind().equals(expected)) {
            throw new InvalidSnapshotException("a " + architecture.kind() + " was published as '" + servedAs + "'");
        }
        return this;
    }

    /** A network of this snapshot's architecture holding its parameters, owned by a sub-manager of {@code parent}. */
    public Network newNetwork(NDManager parent) {
        Network network = architecture instanceof ClassifierArchitecture classifier
                ? new Classifier(classifier, parent, 0)
                : architecture instanceof SegmenterArchitecture segmenter
                        ? new Segmenter(segmenter, parent, 0)
                        : new AffinityHead((AffinityArchitecture) architecture, parent, 0);
        try {
            loadInto(network);
            return network;
        } catch (RuntimeException e) {
            network.close();
            throw e;
        }
    }

    /** Whether every parameter is a finite number (a diverged training step leaves NaN or infinity behind). */
    public boolean isFinite() {
        for (float[] values : parameters.values()) {
            for (float v : values) {
                if (!Float.isFinite(v)) {
                    return false;
                }
            }
        }
        return true;
    }

    public byte[] toBytes() {
        Header header = new Header(
                name,
                version,
                architecture.kind(),
                GSON.toJsonTree(architecture),
                classes,
                List.copyOf(parameters.keySet()),
                parameters.values().stream().map(v -> v.length).toList(),
                sha256);
        byte[] json = GSON.toJson(header).getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(MAGIC);
            out.writeInt(FORMAT_VERSION);
            out.writeInt(json.length);
            out.write(json);
            out.write(parameterBytes(parameters));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** Parses and verifies a snapshot; throws {@link InvalidSnapshotException} with the reason. */
    public static ModelSnapshot fromBytes(byte[] bytes) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
            if (bytes.length < 12 || in.readInt() != MAGIC) {
                throw new InvalidSnapshotException("not a SeedStream model snapshot (bad magic)");
            }
            int format = in.readInt();
            if (format != FORMAT_VERSION) {
                throw new InvalidSnapshotException(
                        "unsupported snapshot format " + format + ", expected " + FORMAT_VERSION);
            }
            int headerLength = in.readInt();
            if (headerLength <= 0 || headerLength > bytes.length - 12) {
                throw new InvalidSnapshotException("truncated snapshot header");
            }
            Header header =
                    GSON.fromJson(new String(in.readNBytes(headerLength), StandardCharsets.UTF_8), Header.class);
            if (header == null
                    || header.kind() == null
                    || header.architecture() == null
                    || header.parameterNames() == null
                    || header.parameterSizes() == null
                    || header.parameterNames().size() != header.parameterSizes().size()) {
                throw new InvalidSnapshotException("snapshot header is incomplete");
            }
            Map<String, float[]> values = new LinkedHashMap<>();
            ByteBuffer data = ByteBuffer.wrap(in.readAllBytes()).order(ByteOrder.LITTLE_ENDIAN);
            long expected = header.parameterSizes().stream()
                            .mapToLong(Integer::longValue)
                            .sum()
                    * Float.BYTES;
            if (data.remaining() != expected) {
                throw new InvalidSnapshotException(
                        "snapshot holds " + data.remaining() + " parameter bytes, header says " + expected);
            }
            for (int i = 0; i < header.parameterNames().size(); i++) {
                float[] v = new float[header.parameterSizes().get(i)];
                data.asFloatBuffer().get(v);
                data.position(data.position() + v.length * Float.BYTES);
                values.put(header.parameterNames().get(i), v);
            }
            String actual = sha256(values);
            if (!actual.equals(header.sha256())) {
                throw new InvalidSnapshotException("checksum mismatch for snapshot '" + header.name() + "' v"
                        + header.version() + ": header says " + header.sha256() + ", parameters hash to " + actual);
            }
            return new ModelSnapshot(
                    header.name(), header.version(), architecture(header), header.classes(), values, actual);
        } catch (IOException | JsonParseException e) {
            throw new InvalidSnapshotException("unreadable snapshot: " + e.getMessage());
        }
    }

    private static Architecture architecture(Header header) {
        ModelName kind = ModelName.of(header.kind())
                .orElseThrow(() -> new InvalidSnapshotException("unknown network kind '" + header.kind() + "'"));
        Class<? extends Architecture> type =
                switch (kind) {
                    case CLASSIFIER -> ClassifierArchitecture.class;
                    case SEGMENTER -> SegmenterArchitecture.class;
                    case AFFINITY -> AffinityArchitecture.class;
                };
        return GSON.fromJson(header.architecture(), type);
    }

    private static byte[] parameterBytes(Map<String, float[]> values) {
        int total = values.values().stream().mapToInt(v -> v.length).sum();
        ByteBuffer buffer = ByteBuffer.allocate(total * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        for (float[] v : values.values()) {
            buffer.asFloatBuffer().put(v);
            buffer.position(buffer.position() + v.length * Float.BYTES);
        }
        return buffer.array();
    }

    private static String sha256(Map<String, float[]> values) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            for (Map.Entry<String, float[]> e : values.entrySet()) {
                digest.update(e.getKey().getBytes(StandardCharsets.UTF_8));
            }
            digest.update(parameterBytes(values));
            return HexFormat.of().formatHex(digest.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
