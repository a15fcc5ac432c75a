package io.seedstream.flink.training;

import static org.assertj.core.api.Assertions.assertThat;

import io.seedstream.embedded.EmbeddedKafka;
import io.seedstream.flink.JobEnvironment;
import io.seedstream.flink.KafkaTestClients;
import io.seedstream.flink.SmallPipeline;
import io.seedstream.flink.common.KafkaSettings;
import io.seedstream.flink.localization.LocalizationJob;
import io.seedstream.records.ModelSnapshotRecord;
import io.seedstream.records.RecordCodec;
import io.seedstream.records.SeedRecord;
import io.seedstream.records.Topics;
import io.seedstream.records.kafka.ImageStreamer;
import io.seedstream.records.kafka.KafkaConnection;
import io.seedstream.records.kafka.TopicSetup;
import io.seedstream.segmentation.config.SeedStreamConfig;
import io.seedstream.segmentation.data.SyntheticDataset;
import io.seedstream.segmentation.nn.ModelName;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.InjectMiniCluster;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole loop on a real broker and a MiniCluster, starting from no model at all: the trainer
 * learns a classifier from image labels, the localization job seeds with it, the trainer learns
 * the segmenter from those seeds and publishes versions that get better; a lost task manager
 * costs no training (versions and steps continue from the checkpoint).
 */
class PipelineIntegrationTest {

    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1)
            .setNumberSlotsPerTaskManager(4)
            .build());

    @Test
    void modelsImproveAndTrainingResumesAfterALostTaskManager(
            @InjectMiniCluster MiniCluster miniCluster, @TempDir Path checkpoints) throws Exception {
        SeedStreamConfig config = SmallPipeline.config(Map.of("trainer.evalPercent", "25"));
        SyntheticDataset data = new SyntheticDataset(config.synthetic());
        Topics topics = new Topics("pipeline-test.");
        try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
            TopicSetup.ensure(KafkaConnection.plain(kafka.bootstrapServers()), topics, 2);
            send(kafka, topics, data, 0, 64);
            KafkaSettings settings = new KafkaSettings(KafkaConnection.plain(kafka.bootstrapServers()), topics, false);
            List<JobClient> jobs = new ArrayList<>();
            try {
                for (boolean trainer : new boolean[] {true, false}) {
                    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
                    env.configure(JobEnvironment.configuration(Duration.ofMillis(500), checkpoints.toUri()));
                    env.setParallelism(1);
                    if (trainer) {
                        TrainerJob.build(env, config, data.classes(), settings);
                    } else {
                        LocalizationJob.build(env, config, data.classes(), settings);
                    }
                    jobs.add(env.executeAsync(trainer ? "trainer" : "localization"));
                }
                List<ModelSnapshotRecord> before = segmenters(models(kafka, topics, 3));
                assertThat(before).as("segmenter versions before the failure").hasSizeGreaterThanOrEqualTo(3);

                send(kafka, topics, data, 64, 16); // these find a segmenter: their seeds are grown
                miniCluster.terminateTaskManager(0).get();
                miniCluster.startTaskManager();
                List<ModelSnapshotRecord> models = models(kafka, topics, before.size() + 3);
                List<ModelSnapshotRecord> all = segmenters(models);

                for (int i = 0; i < all.size(); i++) { // one committed record per version, in order, steps growing
                    assertThat(all.get(i).getVersion()).isEqualTo(i + 1);
                    if (i > 0) {
                        assertThat(all.get(i).getTrainingStep())
                                .isGreaterThan(all.get(i - 1).getTrainingStep());
                    }
                }
                ModelSnapshotRecord first = all.get(0);
                ModelSnapshotRecord last = all.get(all.size() - 1);
                assertThat(first.getEvalMiou()).isNotNull();
                assertThat(last.getEvalMiou())
                        .as("later segmenter scores better on the held-out images: "
                                + all.stream()
                                        .map(r -> r.getVersion() + "@" + r.getTrainingStep() + "=" + r.getEvalMiou())
                                        .toList()
                                + " classifiers "
                                + models.stream()
                                        .filter(r -> r.getName().equals(ModelName.CLASSIFIER.id()))
                                        .map(r -> r.getVersion() + "@" + r.getTrainingStep() + "=" + r.getEvalMiou())
                                        .toList())
                        .isGreaterThan(first.getEvalMiou());

                List<ConsumerRecord<byte[], byte[]>> seeds =
                        KafkaTestClients.readCommitted(kafka.bootstrapServers(), topics.seeds(), 80, 60);
                List<SeedRecord> decoded = new ArrayList<>();
                for (ConsumerRecord<byte[], byte[]> r : seeds) {
                    decoded.add(RecordCodec.SEED.decode(r.value()));
                }
                assertThat(decoded)
                        .extracting(SeedRecord::getImageId)
                        .doesNotHaveDuplicates()
                        .hasSize(80);
                assertThat(decoded)
                        .extracting(SeedRecord::getClassifierVersion)
                        .as("every image waited for a trained classifier")
                        .allMatch(v -> v >= 1);
                assertThat(decoded.stream()
                                .filter(seed ->
                                        Integer.parseInt(seed.getImageId().substring("train-".length())) >= 64))
                        .extracting(SeedRecord::getSegmenterVersion)
                        .as("images sent once a segmenter was out are grown with it")
                        .allMatch(v -> v >= 1);
            } finally {
                for (JobClient job : jobs) {
                    job.cancel().get();
                }
                for (JobClient job :
                        jobs) { // cancelling returns when asked; a job may still write into the folder JUnit deletes
                    miniCluster.requestJobResult(job.getJobID()).get(60, TimeUnit.SECONDS);
                }
            }
        }
    }

    private static void send(EmbeddedKafka kafka, Topics topics, SyntheticDataset data, int from, int count)
            throws Exception {
        ImageStreamer.Summary sent = new ImageStreamer(
                        KafkaConnection.plain(kafka.bootstrapServers()), topics.labeledImages(), 0, null)
                .stream(data.images(from, count), data.classes(), i -> true, "test");
        assertThat(sent.sent()).isEqualTo(count);
    }

    /** Waits for at least {@code segmenters} committed segmenter snapshots; returns every committed model record. */
    private static List<ModelSnapshotRecord> models(EmbeddedKafka kafka, Topics topics, int segmenters)
            throws Exception {
        long deadline = System.nanoTime() + Duration.ofMinutes(4).toNanos();
        while (true) {
            List<ModelSnapshotRecord> records = new ArrayList<>();
            for (ConsumerRecord<byte[], byte[]> r :
                    KafkaTestClients.readCommitted(kafka.bootstrapServers(), topics.models(), Integer.MAX_VALUE, 5)) {
                records.add(RecordCodec.MODEL_SNAPSHOT.decode(r.value()));
            }
            if (segmenters(records).size() >= segmenters || System.nanoTime() > deadline) {
                return records;
            }
        }
    }

    private static List<ModelSnapshotRecord> segmenters(List<ModelSnapshotRecord> records) {
        return records.stream()
                .filter(r -> r.getName().equals(ModelName.SEGMENTER.id()))
                .toList();
    }
}
