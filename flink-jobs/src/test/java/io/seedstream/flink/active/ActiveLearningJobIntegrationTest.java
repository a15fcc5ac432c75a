package io.seedstream.flink.active;

import static org.assertj.core.api.Assertions.assertThat;

import io.seedstream.embedded.EmbeddedKafka;
import io.seedstream.flink.JobEnvironment;
import io.seedstream.flink.KafkaTestClients;
import io.seedstream.flink.common.KafkaSettings;
import io.seedstream.flink.common.ModelRecords;
import io.seedstream.records.LabelRequest;
import io.seedstream.records.RecordCodec;
import io.seedstream.records.Topics;
import io.seedstream.records.kafka.ImageStreamer;
import io.seedstream.records.kafka.KafkaConnection;
import io.seedstream.segmentation.config.SeedStreamConfig;
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
import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.testutils.InMemoryReporter;
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

/** The active-learning job on a real broker and a MiniCluster, through the loss of its task manager. */
class ActiveLearningJobIntegrationTest {

    private static final InMemoryReporter METRICS = InMemoryReporter.create();

    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1)
            .setNumberSlotsPerTaskManager(2)
            .setConfiguration(METRICS.addToConfiguration(new Configuration()))
            .build());

    private static final Topics TOPICS = new Topics("active-test.");
    private static EmbeddedKafka kafka;

    @BeforeAll
    static void startKafka() throws Exception {
        kafka = EmbeddedKafka.start();
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
            admin.createTopics(List.of(
                            new NewTopic(TOPICS.unlabeledImages(), 2, (short) 1),
                            new NewTopic(TOPICS.labeledImages(), 1, (short) 1),
                            new NewTopic(TOPICS.models(), 1, (short) 1),
                            new NewTopic(TOPICS.labelRequests(), 1, (short) 1),
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
    void spendsTheBudgetExactlyOnceThroughARestart(
            @InjectMiniCluster MiniCluster miniCluster, @TempDir Path checkpoints) throws Exception {
        SeedStreamConfig config = SeedStreamConfig.defaults()
                .with(Map.of(
                        "synthetic.imageSize",
                        "32",
                        "backbone.channels",
                        "8,8,16,16,16,16",
                        "trainer.shortSide",
                        "32",
                        "trainer.cropSize",
                        "32",
                        "ficklenet.passes",
                        "4",
                        "active.windowSize",
                        "6",
                        "active.batchSize",
                        "4",
                        "active.budget",
                        "12",
                        "active.selectEveryMs",
                        "500"));
        SyntheticDataset data = new SyntheticDataset(config.synthetic());
        try (KafkaProducer<byte[], byte[]> producer = KafkaTestClients.producer(kafka.bootstrapServers())) {
            producer.send(new ProducerRecord<>(
                    TOPICS.models(),
                    "classifier".getBytes(StandardCharsets.UTF_8),
                    ModelRecords.initialClassifier(config, data.classes(), 1, 5)));
        }
        sendUnlabeled(data, 0, 10);

        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.configure(JobEnvironment.configuration(Duration.ofMillis(200), checkpoints.toUri()));
        env.setParallelism(2);
        ActiveLearningJob.build(
                env,
                config,
                data.classes(),
                new KafkaSettings(KafkaConnection.plain(kafka.bootstrapServers()), TOPICS, false));
        JobClient job = env.executeAsync("active learning with a failure");
        try {
            assertThat(KafkaTestClients.readCommitted(kafka.bootstrapServers(), TOPICS.labelRequests(), 3, 60))
                    .hasSizeGreaterThanOrEqualTo(3);
            miniCluster.terminateTaskManager(0).get(); // the running job loses its task manager
            miniCluster.startTaskManager();
            sendUnlabeled(data, 10, 20);
            // 30 images, a budget of 12: exactly 12 committed requests, each for a different sent image.
            List<ConsumerRecord<byte[], byte[]>> records =
                    KafkaTestClients.readCommitted(kafka.bootstrapServers(), TOPICS.labelRequests(), 12, 120);
            // The selector's state has spent the budget, and a checkpoint since has committed whatever it emitted.
            waitFor(() -> budgetLeft(job.getJobID()) == 0, "the selector's budgetLeft gauge to reach 0");
            long completed = completedCheckpoints(miniCluster, job.getJobID());
            waitFor(
                    () -> completedCheckpoints(miniCluster, job.getJobID()) > completed,
                    "a checkpoint after the budget was spent");
            records = KafkaTestClients.readCommitted(kafka.bootstrapServers(), TOPICS.labelRequests(), 13, 5);
            Map<String, Integer> counts = new HashMap<>();
            for (ConsumerRecord<byte[], byte[]> record : records) {
                LabelRequest request = RecordCodec.LABEL_REQUEST.decode(record.value());
                counts.merge(request.getImageId().toString(), 1, Integer::sum);
                assertThat(request.getReason().toString()).startsWith("the ").doesNotContain("0.");
                assertThat(request.getDetails().toString())
                        .startsWith("priority ")
                        .as("no segmenter in this test")
                        .contains("segmenter entropy none");
                assertThat(request.getModelVersion()).isEqualTo(1);
            }
            assertThat(records).hasSize(12);
            assertThat(counts.values()).as("no image asked twice").containsOnly(1);
            assertThat(counts.keySet())
                    .allSatisfy(
                            id -> assertThat(Integer.parseInt(id.substring(4))).isBetween(0, 29));
            var graph = miniCluster.getExecutionGraph(job.getJobID()).get();
            assertThat(graph.getStatusTimestamp(JobStatus.RESTARTING))
                    .as("the job went through a restart")
                    .isGreaterThan(0);
        } finally {
            job.cancel().get();
            // cancelling returns when asked; the job may still write a checkpoint into the temporary folder JUnit
            // deletes
            miniCluster.requestJobResult(job.getJobID()).get(60, TimeUnit.SECONDS);
        }
    }

    /** Images from..from+count as "img-i", without labels. */
    private static int budgetLeft(JobID job) {
        return METRICS.findMetric(job, "budgetLeft")
                .map(gauge -> (Integer) ((Gauge<?>) gauge).getValue())
                .orElse(-1);
    }

    private static long completedCheckpoints(MiniCluster miniCluster, JobID job) throws Exception {
        return miniCluster
                .getExecutionGraph(job)
                .get()
                .getCheckpointStatsSnapshot()
                .getCounts()
                .getNumberOfCompletedCheckpoints();
    }

    private interface Condition {
        boolean holds() throws Exception;
    }

    private static void waitFor(Condition condition, String what) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!condition.holds()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(50);
        }
    }

    private static void sendUnlabeled(SyntheticDataset data, int from, int count) throws Exception {
        List<LabeledImage> images = new ArrayList<>();
        for (int i = from; i < from + count; i++) {
            LabeledImage image = data.image(i);
            images.add(new LabeledImage("img-" + i, image.width(), image.height(), image.rgb(), null, new int[0]));
        }
        ImageStreamer.Summary sent = new ImageStreamer(
                        KafkaConnection.plain(kafka.bootstrapServers()), TOPICS.unlabeledImages(), 0, null)
                .stream(images, data.classes(), i -> false, "test");
        assertThat(sent.sent()).isEqualTo(count);
    }
}
