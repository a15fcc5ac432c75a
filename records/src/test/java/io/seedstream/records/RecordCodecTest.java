package io.seedstream.records;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.seedstream.segmentation.config.SeedStreamConfig;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.message.BinaryMessageEncoder;
import org.junit.jupiter.api.Test;

class RecordCodecTest {

    private static LabeledImageRecord image() {
        return LabeledImageRecord.newBuilder()
                .setId("img-1")
                .setImage(ByteBuffer.wrap(new byte[] {1, 2, 3}))
                .setFormat("png")
                .setLabels(List.of("cat", "dog"))
                .setTimestampMs(42L)
                .build();
    }

    @Test
    void everyRecordTypeSurvivesARoundTrip() throws InvalidRecordException {
        LabeledImageRecord image = image();
        LabeledImageRecord back = RecordCodec.LABELED_IMAGE.decode(RecordCodec.LABELED_IMAGE.encode(image));
        assertThat(back).isEqualTo(image);
        assertThat(back.getMask()).isNull(); // optional fields default to absent
        assertThat(back.getSource()).isEmpty();

        SeedRecord seeds = SeedRecord.newBuilder()
                .setImageId("img-1")
                .setWidth(2)
                .setHeight(1)
                .setSeeds(ByteBuffer.wrap(new byte[] {1, (byte) 255}))
                .setPseudoLabel(ByteBuffer.wrap(new byte[] {1, 1}))
                .setClassifierVersion(3)
                .setSegmenterVersion(-1)
                .setSeedCoverage(0.5f)
                .setPseudoLabelMiou(0.7)
                .setTimestampMs(42L)
                .build();
        assertThat(RecordCodec.SEED.decode(RecordCodec.SEED.encode(seeds))).isEqualTo(seeds);

        ModelSnapshotRecord model = ModelSnapshotRecord.newBuilder()
                .setName("classifier")
                .setVersion(7)
                .setArchitecture("{}")
                .setClasses(List.of("background", "cat"))
                .setParameters(ByteBuffer.wrap(new byte[] {9}))
                .setSha256("ab")
                .setTrainingStep(100)
                .setTimestampMs(1L)
                .build();
        assertThat(RecordCodec.MODEL_SNAPSHOT.decode(RecordCodec.MODEL_SNAPSHOT.encode(model)))
                .isEqualTo(model);

        LabelRequest request = LabelRequest.newBuilder()
                .setImageId("u-1")
                .setScore(0.4)
                .setReason("mutual information 0.4")
                .setGuessedClasses(List.of("car", "road"))
                .setModelVersion(7)
                .setTimestampMs(1L)
                .build();
        assertThat(RecordCodec.LABEL_REQUEST.decode(RecordCodec.LABEL_REQUEST.encode(request)))
                .isEqualTo(request);

        DeadLetter letter = DeadLetter.newBuilder()
                .setStage("localization/validate")
                .setReason("not an image")
                .setOriginal(ByteBuffer.wrap(new byte[] {0}))
                .setTimestampMs(1L)
                .build();
        assertThat(RecordCodec.DEAD_LETTER.decode(RecordCodec.DEAD_LETTER.encode(letter)))
                .isEqualTo(letter);
    }

    @Test
    void labelRequestsOfTheFirstSchemaVersionStillDecode() throws Exception {
        LabelRequest read = RecordCodec.LABEL_REQUEST.decode(writtenBy(
                "LabelRequest-v1.avsc",
                Map.of(
                        "imageId",
                        "u-1",
                        "score",
                        0.4,
                        "reason",
                        "mutual information 0.4",
                        "modelVersion",
                        7L,
                        "timestampMs",
                        1L)));
        assertThat(read.getImageId()).isEqualTo("u-1");
        assertThat(read.getModelVersion()).isEqualTo(7);
        assertThat(read.getGuessedClasses())
                .as("the field added in version 2 takes its default")
                .isEmpty();
    }

    @Test
    void labelRequestsOfTheSecondSchemaVersionStillDecode() throws Exception {
        LabelRequest read = RecordCodec.LABEL_REQUEST.decode(writtenBy(
                "LabelRequest-v2.avsc",
                Map.of(
                        "imageId",
                        "u-2",
                        "score",
                        0.5,
                        "reason",
                        "uncertainty 0.500 (mutual information 0.500, map entropy 0.000, segmenter entropy 0.000)",
                        "guessedClasses",
                        List.of("car"),
                        "modelVersion",
                        8L,
                        "timestampMs",
                        2L)));
        assertThat(read.getReason()).startsWith("uncertainty 0.500");
        assertThat(read.getGuessedClasses()).extracting(Object::toString).containsExactly("car");
        assertThat(read.getDetails())
                .as("the field added in version 3 takes its default")
                .isNull();
    }

    /** A message as a writer of an older schema version (kept under history/) sent it. */
    private static byte[] writtenBy(String schemaFile, Map<String, Object> fields) throws Exception {
        Schema schema;
        try (var file = RecordCodec.class.getResourceAsStream("history/" + schemaFile)) {
            schema = new Schema.Parser().parse(file);
        }
        GenericRecord old = new GenericData.Record(schema);
        fields.forEach(old::put);
        ByteBuffer written = new BinaryMessageEncoder<GenericRecord>(GenericData.get(), schema).encode(old);
        byte[] bytes = new byte[written.remaining()];
        written.get(bytes);
        return bytes;
    }

    @Test
    void badBytesAreRejectedWithAReason() {
        byte[] good = RecordCodec.LABELED_IMAGE.encode(image());
        assertThatThrownBy(() -> RecordCodec.LABELED_IMAGE.decode(new byte[0])).hasMessageContaining("empty message");
        assertThatThrownBy(() -> RecordCodec.LABELED_IMAGE.decode("{\"id\": 1}".getBytes()))
                .isInstanceOf(InvalidRecordException.class)
                .hasMessageContaining("not a SeedStream record");
        assertThatThrownBy(() -> RecordCodec.SEED.decode(good))
                .isInstanceOf(InvalidRecordException.class)
                .hasMessageContaining("another type");
        assertThatThrownBy(() -> RecordCodec.LABELED_IMAGE.decode(Arrays.copyOf(good, good.length - 5)))
                .isInstanceOf(InvalidRecordException.class)
                .hasMessageContaining("truncated");
    }

    @Test
    void requiredFieldsMustBeSet() {
        assertThatThrownBy(() -> LabeledImageRecord.newBuilder().setId("x").build())
                .isInstanceOf(RuntimeException.class);
    }

    @Test
    void topicNamesShareThePrefix() {
        Topics topics = Topics.configured(SeedStreamConfig.defaults());
        assertThat(topics.labeledImages()).isEqualTo("seedstream.images.labeled");
        assertThat(new Topics("test-1.").models()).isEqualTo("test-1.models");
        assertThatThrownBy(() -> new Topics("bad prefix")).hasMessageContaining("prefix");
    }
}
