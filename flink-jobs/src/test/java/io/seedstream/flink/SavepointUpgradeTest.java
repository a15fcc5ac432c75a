package io.seedstream.flink;

import static org.assertj.core.api.Assertions.assertThat;

import io.seedstream.embedded.EmbeddedKafka;
import io.seedstream.flink.active.ActiveLearningJob;
import io.seedstream.flink.common.KafkaSettings;
import io.seedstream.flink.localization.LocalizationJob;
import io.seedstream.flink.training.TrainerJob;
import io.seedstream.records.InvalidRecordException;
import io.seedstream.records.LabelRequest;
import io.seedstream.records.ModelSnapshotRecord;
import io.seedstream.records.RecordCodec;
import io.seedstream.records.Topics;
import io.seedstream.records.kafka.ImageStreamer;
import io.seedstream.records.kafka.KafkaConnection;
import io.seedstream.records.kafka.TopicSetup;
import io.seedstream.segmentation.config.SeedStreamConfig;
import io.seedstream.segmentation.data.LabeledImage;
import io.seedstream.segmentation.data.SyntheticDataset;
import io.seedstream.segmentation.nn.ModelName;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
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
 * The upgrade path: all three jobs are stopped with a savepoint (Flink's stop-with-savepoint, what
 * the Kubernetes operator's {@code upgradeMode: savepoint} does), more images arrive while they are
 * down, and the jobs start again from their savepoints. No image is seeded twice or not at all, no
 * label is asked twice or beyond the budget, and the models go on from their versions and steps.
 */
class SavepointUpgradeTest {

    private static final int BUDGET = 4;

    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1)
            .setNumberSlotsPerTaskManager(4)
            .build());

    @Test
    void stoppedWithASavepointAndStartedFromItTheJobsLoseAndRepeatNothing(
            @InjectMiniCluster MiniCluster miniCluster, @TempDir Path checkpoints, @TempDir Path savepoints)
            throws Exception {
        SeedStreamConfig config = SmallPipeline.config(Map.of(
                "ficklenet.passes", "4",
                "active.windowSize", "4",
                "active.batchSize", "1",
                "active.budget", String.valueOf(BUDGET),
                "active.selectEveryMs", "500"));
        SyntheticDataset data = new SyntheticDataset(config.synthetic());
        Topics topics = new Topics("upgrade-test.");
        try (EmbeddedKafka broker = EmbeddedKafka.start()) {
            KafkaConnection kafka = KafkaConnection.plain(broker.bootstrapServers());
            TopicSetup.ensure(kafka, topics, 2);
            KafkaSettings settings = new KafkaSettings(kafka, topics, false);
            send(kafka, topics, data, 0, 24);

            Map<FlinkCluster.Job, JobClient> running = start(config, data, settings, checkpoints, Map.of());
            SmallPipeline.waitFor(
                    () -> seeds(kafka, topics).size() >= 10
                            && segmenters(models(kafka, topics)).size() >= 2,
                    "seeds and two segmenters before the stop");
            Map<FlinkCluster.Job, String> savepointOf = new LinkedHashMap<>();
            for (Map.Entry<FlinkCluster.Job, JobClient> job : running.entrySet()) {
                savepointOf.put(
                        job.getKey(),
                        job.getValue()
                                .stopWithSavepoint(
                                        false,
                                        savepoints
                                                .resolve(job.getKey().name())
                                                .toUri()
                                                .toString(),
                                        SavepointFormatType.CANONICAL)
                                .get(2, TimeUnit.MINUTES));
            }
            List<String> seedsBefore = seeds(kafka, topics);
            List<ModelSnapshotRecord> modelsBefore = models(kafka, topics);

            send(kafka, topics, data, 24, 24); // while the jobs are down
            running = start(config, data, settings, checkpoints, savepointOf);
            try {
                SmallPipeline.waitFor(
                        () -> seeds(kafka, topics).size() >= 48
                                && segmenters(models(kafka, topics)).size()
                                        > segmenters(modelsBefore).size() + 1,
                        "every image seeded and new segmenters after the restart");
                List<String> seeds = seeds(kafka, topics);
                assertThat(seeds)
                        .as("seeds by image id, %d before the stop", seedsBefore.size())
                        .doesNotHaveDuplicates()
                        .containsAll(seedsBefore)
                        .hasSize(48);
                SmallPipeline.assertVersionsGoOn(models(kafka, topics));
                List<String> asked = new ArrayList<>();
                for (ConsumerRecord<byte[], byte[]> record :
                        KafkaTestClients.readCommitted(kafka, topics.labelRequests(), BUDGET, 10)) {
                    LabelRequest request = decode(RecordCodec.LABEL_REQUEST, record);
                    asked.add(request.getImageId().toString());
                }
                assertThat(asked)
                        .as("label requests: none twice, none beyond the budget")
                        .doesNotHaveDuplicates()
                        .hasSizeBetween(1, BUDGET);
            } finally {
                for (JobClient job : running.values()) {
                    job.cancel().get();
                }
                for (JobClient job : running.values()) { // a cancelled job may still write into JUnit's folder
                    miniCluster.requestJobResult(job.getJobID()).get(60, TimeUnit.SECONDS);
                }
            }
        }
    }

    private static Map<FlinkCluster.Job, JobClient> start(
            SeedStreamConfig config,
            SyntheticDataset data,
            KafkaSettings settings,
            Path checkpoints,
            Map<FlinkCluster.Job, String> savepointOf)
            throws Exception {
        Map<FlinkCluster.Job, JobClient> jobs = new LinkedHashMap<>();
        for (FlinkCluster.Job job : FlinkCluster.Job.values()) {
            StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
            var configuration = JobEnvironment.configuration(
                    Duration.ofMillis(500), checkpoints.resolve(job.name()).toUri());
            env.configure(
                    savepointOf.containsKey(job)
                            ? JobEnvironment.restoredFrom(configuration, savepointOf.get(job))
                            : configuration);
            env.setParallelism(1);
            switch (job) {
                case LOCALIZATION -> LocalizationJob.build(env, config, data.classes(), settings);
                case TRAINER -> TrainerJob.build(env, config, data.classes(), settings);
                case ACTIVE_LEARNING -> ActiveLearningJob.build(env, config, data.classes(), settings);
            }
            jobs.put(job, env.executeAsync(job.title()));
        }
        return jobs;
    }

    /** Labeled images with masks, and as many unlabeled ones for active learning. */
    private static void send(KafkaConnection kafka, Topics topics, SyntheticDataset data, int from, int count)
            throws Exception {
        List<LabeledImage> images = data.images(from, count);
        assertThat(new ImageStreamer(kafka, topics.labeledImages(), 0, null)
                        .stream(images, data.classes(), i -> true, "test").sent())
                .isEqualTo(count);
        List<LabeledImage> unlabeled = data.images(1000 + from, count).stream()
                .map(image ->
                        new LabeledImage(image.id(), image.width(), image.height(), image.rgb(), null, new int[0]))
                .toList();
        assertThat(new ImageStreamer(kafka, topics.unlabeledImages(), 0, null)
                        .stream(unlabeled, data.classes(), i -> false, "test").sent())
                .isEqualTo(count);
    }

    private static List<String> seeds(KafkaConnection kafka, Topics topics) {
        List<String> ids = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> record : KafkaTestClients.readCommitted(kafka, topics.seeds(), 0, 1)) {
            ids.add(decode(RecordCodec.SEED, record).getImageId().toString());
        }
        return ids;
    }

    private static List<ModelSnapshotRecord> models(KafkaConnection kafka, Topics topics) {
        List<ModelSnapshotRecord> models = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> record : KafkaTestClients.readCommitted(kafka, topics.models(), 0, 1)) {
            models.add(decode(RecordCodec.MODEL_SNAPSHOT, record));
        }
        return models;
    }

    private static <T extends SpecificRecordBase> T decode(
            RecordCodec<T> codec, ConsumerRecord<byte[], byte[]> record) {
        try {
            return codec.decode(record.value());
        } catch (InvalidRecordException e) {
            throw new AssertionError("a committed record does not decode", e);
        }
    }

    private static List<ModelSnapshotRecord> segmenters(List<ModelSnapshotRecord> records) {
        return records.stream()
                .filter(r -> r.getName().toString().equals(ModelName.SEGMENTER.id()))
                .toList();
    }
}
