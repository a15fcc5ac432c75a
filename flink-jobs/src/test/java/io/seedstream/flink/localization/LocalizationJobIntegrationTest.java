package io.seedstream.flink.localization;

import static org.assertj.core.api.Assertions.assertThat;

import io.seedstream.embedded.EmbeddedKafka;
import io.seedstream.flink.JobEnvironment;
import io.seedstream.flink.KafkaTestClients;
import io.seedstream.flink.common.KafkaSettings;
import io.seedstream.flink.common.ModelRecords;
import io.seedstream.records.RecordCodec;
import io.seedstream.records.SeedRecord;
import io.seedstream.records.Topics;
import io.seedstream.records.kafka.ImageStreamer;
import io.seedstream.records.kafka.KafkaConnection;
import io.seedstream.segmentation.config.SeedStreamConfig;
import io.seedstream.segmentation.data.ClassList;
import io.seedstream.segmentation.data.LabeledImage;
import io.seedstream.segmentation.data.SyntheticDataset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.InjectMiniCluster;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The localization job on a real broker and a MiniCluster: one committed seed record per good image. */
class LocalizationJobIntegrationTest {

    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1)
            .setNumberSlotsPerTaskManager(2)
            .build());

    private static final Topics TOPICS = new Topics("localization-test.");
    private static EmbeddedKafka kafka;

    @BeforeAll
    static void startKafka() throws Exception {
        kafka = EmbeddedKafka.start();
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
            admin.createTopics(List.of(
                            new NewTopic(TOPICS.labeledImages(), 2, (short) 1),
                            new NewTopic(TOPICS.models(), 1, (short) 1),
                            new NewTopic(TOPICS.seeds(), 2, (short) 1),
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

    @Test
    void everyGoodImageGetsExactlyOneSeedRecord() throws Exception {
        SeedStreamConfig config = SeedStreamConfig.defaults()
                .with("synthetic.imageSize", 32)
                .with("trainer.shortSide", 32)
                .with("backbone.channels", "8,8,16,16,16,16");
        SyntheticDataset data = new SyntheticDataset(config.synthetic());
        ClassList classes = data.classes();
        int images = 12;
        sendImages(TOPICS, data, 0, images);
        try (KafkaProducer<byte[], byte[]> producer = KafkaTestClients.producer(kafka.bootstrapServers())) {
            producer.send(new ProducerRecord<>(
                    TOPICS.labeledImages(), "junk".getBytes(StandardCharsets.UTF_8), new byte[] {1, 2}));
            producer.send(new ProducerRecord<>(
                    TOPICS.models(),
                    "classifier".getBytes(StandardCharsets.UTF_8),
                    ModelRecords.initialClassifier(config, classes, 1, 5)));
        }

        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(2);
        env.enableCheckpointing(300);
        LocalizationJob.build(
                env, config, classes, new KafkaSettings(KafkaConnection.plain(kafka.bootstrapServers()), TOPICS, true));
        env.execute("localization");

        Map<String, SeedRecord> seeds = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> record :
                KafkaTestClients.readCommitted(kafka.bootstrapServers(), TOPICS.seeds(), images, 30)) {
            SeedRecord seed = RecordCodec.SEED.decode(record.value());
            assertThat(seeds.put(seed.getImageId(), seed))
                    .as("one seed record per image: " + seed.getImageId())
                    .isNull();
        }
        assertThat(seeds).hasSize(images);
        for (int i = 0; i < images; i++) {
            SeedRecord seed = seeds.get("img-" + i);
            assertThat(seed.getClassifierVersion()).isEqualTo(1);
            assertThat(seed.getSeeds().remaining()).isEqualTo(32 * 32);
            assertThat(seed.getSeedCoverage()).isBetween(0f, 1f);
            assertThat(seed.getPseudoLabelMiou() != null)
                    .as("mIoU only with a mask")
                    .isEqualTo(i % 3 == 0);
        }
        assertThat(KafkaTestClients.readCommitted(kafka.bootstrapServers(), TOPICS.deadLetters(), 1, 30))
                .hasSize(1);
    }

    @Test
    void exactlyOnceAcrossALostTaskManager(@InjectMiniCluster MiniCluster miniCluster, @TempDir Path checkpoints)
            throws Exception {
        Topics topics = new Topics("restart-test.");
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
            admin.createTopics(List.of(
                            new NewTopic(topics.labeledImages(), 2, (short) 1),
                            new NewTopic(topics.models(), 1, (short) 1),
                            new NewTopic(topics.seeds(), 2, (short) 1),
                            new NewTopic(topics.deadLetters(), 1, (short) 1)))
                    .all()
                    .get();
        }
        SeedStreamConfig config = SeedStreamConfig.defaults()
                .with("synthetic.imageSize", 32)
                .with("trainer.shortSide", 32)
                .with("backbone.channels", "8,8,16,16,16,16");
        SyntheticDataset data = new SyntheticDataset(config.synthetic());
        ClassList classes = data.classes();
        try (KafkaProducer<byte[], byte[]> producer = KafkaTestClients.producer(kafka.bootstrapServers())) {
            producer.send(new ProducerRecord<>(
                    topics.models(),
                    "classifier".getBytes(StandardCharsets.UTF_8),
                    ModelRecords.initialClassifier(config, classes, 1, 5)));
        }
        sendImages(topics, data, 0, 20);

        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        // RocksDB as in production; with checkpointing on, Flink restarts failed jobs from the last checkpoint
        env.configure(JobEnvironment.configuration(Duration.ofMillis(200), checkpoints.toUri()));
        env.setParallelism(2);
        LocalizationJob.build(
                env,
                config,
                classes,
                new KafkaSettings(KafkaConnection.plain(kafka.bootstrapServers()), topics, false));
        JobClient job = env.executeAsync("localization with a failure");
        try {
            // All of the first 20 committed: a checkpoint holds the memory's updates from (nearly) all of them.
            List<ConsumerRecord<byte[], byte[]>> firstRun =
                    KafkaTestClients.readCommitted(kafka.bootstrapServers(), topics.seeds(), 20, 60);
            assertThat(firstRun).hasSize(20);
            // What the memory had learned by the last image seeded before the failure.
            long firstUpdates = 0;
            for (ConsumerRecord<byte[], byte[]> record : firstRun) {
                firstUpdates = Math.max(
                        firstUpdates, RecordCodec.SEED.decode(record.value()).getMemoryUpdates());
            }
            assertThat(firstUpdates).isPositive();
            miniCluster.terminateTaskManager(0).get(); // the running job loses its task manager
            miniCluster.startTaskManager();
            sendImages(topics, data, 20, 20);
            List<ConsumerRecord<byte[], byte[]>> records =
                    KafkaTestClients.readCommitted(kafka.bootstrapServers(), topics.seeds(), 40, 120);
            Map<String, Integer> counts = new HashMap<>();
            long leastMemoryAfterRestart = Long.MAX_VALUE;
            for (ConsumerRecord<byte[], byte[]> record : records) {
                SeedRecord seed = RecordCodec.SEED.decode(record.value());
                counts.merge(seed.getImageId(), 1, Integer::sum);
                if (Integer.parseInt(seed.getImageId().substring(4)) >= 20) {
                    leastMemoryAfterRestart = Math.min(leastMemoryAfterRestart, seed.getMemoryUpdates());
                }
            }
            // The class memory came back from the checkpoint: images after the restart were seeded with
            // a memory that had learned from the first 20 (a fresh memory would start from 0 updates).
            assertThat(leastMemoryAfterRestart).isGreaterThanOrEqualTo(firstUpdates * 8 / 10);
            assertThat(counts).hasSize(40);
            assertThat(counts.values()).as("no image seeded twice").containsOnly(1);
            var graph = miniCluster.getExecutionGraph(job.getJobID()).get();
            assertThat(graph.getStatusTimestamp(JobStatus.RESTARTING))
                    .as("the job went through a restart")
                    .isGreaterThan(0);
            assertThat(graph.getStateBackendName())
                    .hasValueSatisfying(name -> assertThat(name).containsIgnoringCase("rocksdb"));
        } finally {
            job.cancel().get();
            // cancelling returns when asked; the job may still write a checkpoint into the temporary folder JUnit
            // deletes
            miniCluster.requestJobResult(job.getJobID()).get(60, TimeUnit.SECONDS);
        }
    }

    /** Images from..from+count as "img-i", every third with its mask. */
    private static void sendImages(Topics topics, SyntheticDataset data, int from, int count) throws Exception {
        List<LabeledImage> images = new ArrayList<>();
        for (int i = from; i < from + count; i++) {
            LabeledImage image = data.image(i);
            images.add(new LabeledImage(
                    "img-" + i, image.width(), image.height(), image.rgb(), image.mask(), image.labels()));
        }
        ImageStreamer.Summary sent = new ImageStreamer(
                        KafkaConnection.plain(kafka.bootstrapServers()), topics.labeledImages(), 0, null)
                .stream(images, data.classes(), i -> (from + i) % 3 == 0, "test");
        assertThat(sent.sent()).isEqualTo(count);
    }
}
