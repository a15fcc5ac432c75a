package io.seedstream.flink.common;

import static org.assertj.core.api.Assertions.assertThat;

import io.seedstream.embedded.EmbeddedKafka;
import io.seedstream.flink.KafkaTestClients;
import io.seedstream.records.DeadLetter;
import io.seedstream.records.LabeledImageRecord;
import io.seedstream.records.RecordCodec;
import io.seedstream.records.Topics;
import io.seedstream.records.kafka.KafkaConnection;
import io.seedstream.segmentation.config.SeedStreamConfig;
import io.seedstream.segmentation.data.ClassList;
import io.seedstream.segmentation.data.ImageCodec;
import io.seedstream.segmentation.data.LabeledImage;
import io.seedstream.segmentation.data.SyntheticDataset;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.CloseableIterator;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A real broker and a real Flink MiniCluster: good images and every kind of bad input go into the
 * labeled-images topic; each good image comes out once, each bad one lands in the dead-letter
 * topic (committed, exactly once) with its reason.
 */
class IngestStageIntegrationTest {

    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1)
            .setNumberSlotsPerTaskManager(2)
            .build());

    private static EmbeddedKafka kafka;
    private static final Topics TOPICS = new Topics("ingest-test.");

    @BeforeAll
    static void startKafka() throws Exception {
        kafka = EmbeddedKafka.start();
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
            admin.createTopics(List.of(
                            new NewTopic(TOPICS.labeledImages(), 2, (short) 1),
                            new NewTopic(TOPICS.deadLetters(), 1, (short) 1)))
                    .all()
                    .get();
        }
    }

    @AfterAll
    static void stopKafka() {
        if (kafka != null) {
            kafka.close();
        }
    }

    private static byte[] message(String id, byte[] image, List<String> labels, byte[] mask) {
        LabeledImageRecord.Builder record = LabeledImageRecord.newBuilder()
                .setId(id)
                .setImage(ByteBuffer.wrap(image))
                .setFormat("png")
                .setLabels(labels)
                .setTimestampMs(System.currentTimeMillis());
        if (mask != null) {
            record.setMask(ByteBuffer.wrap(mask));
        }
        return RecordCodec.LABELED_IMAGE.encode(record.build());
    }

    @Test
    void goodImagesPassOnceAndEveryBadInputIsADeadLetterWithItsReason() throws Exception {
        SeedStreamConfig config =
                SeedStreamConfig.defaults().with("synthetic.imageSize", 32).with("stream.maxImageSide", 64);
        SyntheticDataset data = new SyntheticDataset(config.synthetic());
        ClassList classes = data.classes();
        Map<String, byte[]> messages = new HashMap<>(); // key -> value, in sending order below
        List<String> order = new ArrayList<>();
        List<String> good = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            LabeledImage image = data.image(i);
            List<String> labels = Arrays.stream(image.labels())
                    .mapToObj(id -> classes.names().get(id))
                    .toList();
            byte[] mask = i % 2 == 0 ? ImageCodec.encodeMask(32, 32, image.mask()) : null;
            String id = "good-" + i;
            order.add(id);
            messages.put(id, message(id, ImageCodec.encodePng(32, 32, image.rgb()), labels, mask));
            good.add(id);
        }
        byte[] png = ImageCodec.encodePng(32, 32, data.image(0).rgb());
        Map<String, String> expectedReasons = new HashMap<>();
        add(
                messages,
                order,
                expectedReasons,
                "garbage",
                "not Avro at all".getBytes(StandardCharsets.UTF_8),
                "not a SeedStream record");
        add(
                messages,
                order,
                expectedReasons,
                "not-an-image",
                message("not-an-image", "hello".getBytes(), List.of("cross"), null),
                "not an image");
        add(
                messages,
                order,
                expectedReasons,
                "truncated",
                message("truncated", Arrays.copyOf(png, png.length - 20), List.of("cross"), null),
                "truncated PNG");
        add(
                messages,
                order,
                expectedReasons,
                "empty",
                message("empty", new byte[0], List.of("cross"), null),
                "0 bytes");
        add(
                messages,
                order,
                expectedReasons,
                "huge",
                message("huge", ImageCodec.encodePng(100, 20, new byte[100 * 20 * 3]), List.of("cross"), null),
                "the limit is 64 on a side (stream.maxImageSide)");
        add(
                messages,
                order,
                expectedReasons,
                "unknown-class",
                message("unknown-class", png, List.of("unicorn"), null),
                "unknown class 'unicorn'");
        add(
                messages,
                order,
                expectedReasons,
                "bad-mask",
                message("bad-mask", png, List.of("cross"), ImageCodec.encodeMask(16, 16, new byte[256])),
                "mask is 16x16 but its image is 32x32");
        // the same image again under another message key; the two may land in different partitions,
        // so either may arrive first: one passes, the other is the dead letter
        messages.put("duplicate", messages.get("good-0"));
        order.add("duplicate");

        try (KafkaProducer<byte[], byte[]> producer = KafkaTestClients.producer(kafka.bootstrapServers())) {
            for (String key : order) {
                producer.send(new ProducerRecord<>(
                        TOPICS.labeledImages(), key.getBytes(StandardCharsets.UTF_8), messages.get(key)));
            }
            producer.flush();
        }

        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(2);
        env.enableCheckpointing(300);
        var source = KafkaWiring.rawSource(
                KafkaConnection.plain(kafka.bootstrapServers()), TOPICS.labeledImages(), "ingest-test", true);
        IngestStage.Result result = IngestStage.apply(
                env.fromSource(source, WatermarkStrategy.noWatermarks(), "labeled images"),
                classes,
                config.stream(),
                "localization");
        result.deadLetters()
                .sinkTo(KafkaWiring.deadLetterSink(
                        KafkaConnection.plain(kafka.bootstrapServers()), TOPICS.deadLetters(), "ingest-test"));
        List<String> passed = new ArrayList<>();
        try (CloseableIterator<LabeledImage> images = result.images().executeAndCollect("ingest")) {
            images.forEachRemaining(image -> passed.add(image.id()));
        }

        assertThat(passed).containsExactlyInAnyOrderElementsOf(good); // each good image once, the duplicate not again
        Map<String, String> reasons = readDeadLetters(expectedReasons.size() + 1);
        String duplicateKey = reasons.containsKey("duplicate") ? "duplicate" : "good-0";
        assertThat(reasons.remove(duplicateKey)).contains("duplicate id 'good-0'");
        assertThat(reasons).hasSize(expectedReasons.size());
        expectedReasons.forEach(
                (key, reason) -> assertThat(reasons.get(key)).as(key).contains(reason));
    }

    private static void add(
            Map<String, byte[]> messages,
            List<String> order,
            Map<String, String> reasons,
            String key,
            byte[] value,
            String reason) {
        messages.put(key, value);
        order.add(key);
        reasons.put(key, reason);
    }

    /** Committed dead letters by message key, waiting up to 30 s for the expected number. */
    private static Map<String, String> readDeadLetters(int expected) throws Exception {
        Map<String, String> reasons = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> record :
                KafkaTestClients.readCommitted(kafka.bootstrapServers(), TOPICS.deadLetters(), expected, 30)) {
            DeadLetter letter = RecordCodec.DEAD_LETTER.decode(record.value());
            String key = new String(record.key(), StandardCharsets.UTF_8);
            assertThat(reasons.put(key, letter.getReason()))
                    .as("one dead letter per bad message: " + key)
                    .isNull();
            assertThat(letter.getOriginal()).isNotNull();
            assertThat(letter.getStage())
                    .as("the job's stage that refused it")
                    .isIn("localization/validate", "localization/deduplicate");
        }
        return reasons;
    }
}
