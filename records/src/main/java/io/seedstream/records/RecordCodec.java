package io.seedstream.records;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import org.apache.avro.AvroRuntimeException;
import org.apache.avro.Schema;
import org.apache.avro.message.BadHeaderException;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.message.MissingSchemaException;
import org.apache.avro.specific.SpecificRecordBase;

/**
 * Bytes on a topic to a record and back, in Avro's single-object encoding: a marker and the
 * schema's fingerprint, then the binary record. The fingerprint makes every message say which
 * schema version wrote it, so a reader rejects a message of another type with a reason instead of
 * misreading it. Codecs are immutable and safe to share between threads.
 */
public final class RecordCodec<T extends SpecificRecordBase> {

    public static final RecordCodec<LabeledImageRecord> LABELED_IMAGE =
            new RecordCodec<>("labeled image", LabeledImageRecord.getEncoder(), LabeledImageRecord.getDecoder());
    public static final RecordCodec<SeedRecord> SEED =
            new RecordCodec<>("seed record", SeedRecord.getEncoder(), SeedRecord.getDecoder());
    public static final RecordCodec<ModelSnapshotRecord> MODEL_SNAPSHOT =
            new RecordCodec<>("model snapshot", ModelSnapshotRecord.getEncoder(), ModelSnapshotRecord.getDecoder());
    public static final RecordCodec<LabelRequest> LABEL_REQUEST = new RecordCodec<>(
            "label request",
            LabelRequest.getEncoder(),
            withOlderVersions(LabelRequest.getDecoder(), "LabelRequest-v1.avsc", "LabelRequest-v2.avsc"));
    public static final RecordCodec<DeadLetter> DEAD_LETTER =
            new RecordCodec<>("dead letter", DeadLetter.getEncoder(), DeadLetter.getDecoder());

    private final String kind;
    private final BinaryMessageEncoder<T> encoder;
    private final BinaryMessageDecoder<T> decoder;

    private RecordCodec(String kind, BinaryMessageEncoder<T> encoder, BinaryMessageDecoder<T> decoder) {
        this.kind = kind;
        this.encoder = encoder;
        this.decoder = decoder;
    }

    /** Lets the decoder read messages that older schema versions (kept under history/) wrote. */
    private static <T> BinaryMessageDecoder<T> withOlderVersions(
            BinaryMessageDecoder<T> decoder, String... schemaFiles) {
        for (String file : schemaFiles) {
            try (InputStream schema = RecordCodec.class.getResourceAsStream("history/" + file)) {
                if (schema == null) {
                    throw new IllegalStateException("schema history/" + file + " is missing from the records jar");
                }
                decoder.addSchema(new Schema.Parser().parse(schema));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return decoder;
    }

    public byte[] encode(T record) {
        try {
            ByteBuffer buffer = encoder.encode(record);
            byte[] bytes = new byte[buffer.remaining()];
            buffer.get(bytes);
            return bytes;
        } catch (IOException e) {
            throw new UncheckedIOException("could not encode " + kind, e);
        } catch (AvroRuntimeException | NullPointerException e) { // a required field left unset
            throw new IllegalArgumentException("invalid " + kind + ": " + e.getMessage(), e);
        }
    }

    /** The record in these bytes, or {@link InvalidRecordException} saying why there is none. */
    public T decode(byte[] bytes) throws InvalidRecordException {
        if (bytes == null || bytes.length == 0) {
            throw new InvalidRecordException("empty message, expected a " + kind);
        }
        try {
            return decoder.decode(bytes);
        } catch (BadHeaderException e) {
            throw new InvalidRecordException(
                    "not a SeedStream record (no Avro single-object header), expected a " + kind, e);
        } catch (MissingSchemaException e) {
            throw new InvalidRecordException(
                    "a record of another type or an unknown schema version, expected a " + kind, e);
        } catch (IOException | RuntimeException e) {
            throw new InvalidRecordException("corrupt or truncated " + kind + ": " + e, e);
        }
    }

    public String kind() {
        return kind;
    }
}
