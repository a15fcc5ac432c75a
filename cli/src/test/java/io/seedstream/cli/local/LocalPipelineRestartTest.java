package io.seedstream.cli.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.seedstream.embedded.EmbeddedKafka;
import io.seedstream.flink.FlinkCluster;
import io.seedstream.flink.KafkaTestClients;
import io.seedstream.flink.SmallPipeline;
import io.seedstream.records.InvalidRecordException;
import io.seedstream.records.ModelSnapshotRecord;
import io.seedstream.records.RecordCodec;
import io.seedstream.records.Topics;
import io.seedstream.records.kafka.KafkaConnection;
import io.seedstream.segmentation.config.SeedStreamConfig;
import io.seedstream.segmentation.data.LabeledImage;
import io.seedstream.segmentation.data.SyntheticDataset;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The demo's restart, as a user does it: the whole pipeline (embedded broker, three jobs, producer,
 * oracle) is stopped mid-stream and started again on the same data directory. Every image is
 * seeded exactly once across the two runs, nothing is sent or answered twice, and the models'
 * versions and training steps go on from where they were.
 */
class LocalPipelineRestartTest {

    private static final int LABELED = 40;
    private static final int POOL = 16;
    private static final Map<String, String> RUN = Map.of("dataset", "synthetic test");
    private static final Topics TOPICS = new Topics("restart-test.");
    private static final PrintStream QUIET = new PrintStream(OutputStream.nullOutputStream());

    @ParameterizedTest(name = "{0}")
    @ValueSource(
            strings = {"embedded broker, checkpoints in the data directory", "--kafka and --checkpoints elsewhere"})
    void aRestartedPipelineNeitherLosesNorRepeatsAndItsModelsContinue(
            String place, @TempDir Path dataDir, @TempDir Path elsewhere) throws Exception {
        if (place.startsWith("--kafka")) {
            try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
                restartAndCount(
                        new LocalPipeline.Place(
                                null, KafkaConnection.plain(kafka.bootstrapServers()), elsewhere.toUri(), TOPICS),
                        dataDir);
            }
        } else {
            restartAndCount(new LocalPipeline.Place(null, null, null, TOPICS), dataDir);
        }
    }

    private void restartAndCount(LocalPipeline.Place where, Path dataDir) throws Exception {
        SeedStreamConfig config = SmallPipeline.config(Map.of(
                "active.windowSize", "8",
                "active.batchSize", "4",
                "active.budget", "8",
                "active.selectEveryMs", "2000",
                "active.oracleDelayMs", "200"));
        SyntheticDataset data = new SyntheticDataset(config.synthetic());
        List<LabeledImage> all = data.images(0, LABELED + POOL);
        LocalPipeline.Images images = new LocalPipeline.Images(
                data.classes(), List.of(), all.subList(0, LABELED), i -> i % 4 == 0, all.subList(LABELED, all.size()));
        Topics topics = TOPICS;

        List<String> seedsBefore;
        List<ModelSnapshotRecord> modelsBefore;
        int deliveredBefore;
        try (DataDirectory directory = DataDirectory.open(dataDir, RUN, false);
                LocalPipeline pipeline = start(where, directory, images, config, 1.0)) {
            assertThat(directory.resumed()).isFalse();
            SmallPipeline.waitFor(
                    () -> seeds(pipeline, topics).size() >= 5
                            && !models(pipeline, topics).isEmpty(),
                    "the first seeds and model");
            deliveredBefore = pipeline.delivered();
            seedsBefore = seeds(pipeline, topics);
            modelsBefore = models(pipeline, topics);
        }
        assertThat(deliveredBefore).as("stopped mid-stream").isLessThan(LABELED + POOL);

        try (DataDirectory directory = DataDirectory.open(dataDir, RUN, false);
                LocalPipeline pipeline = start(where, directory, images, config, 0)) {
            assertThat(directory.resumed()).isTrue();
            SmallPipeline.waitFor(
                    () -> {
                        List<String> seeds = seeds(pipeline, topics);
                        return pipeline.producerDone()
                                && seeds.size() >= LABELED + pipeline.oracle().answered()
                                && models(pipeline, topics).size() > modelsBefore.size();
                    },
                    "every image seeded and a new model");
            List<String> seeds = seeds(pipeline, topics);
            List<ModelSnapshotRecord> models = models(pipeline, topics);

            assertThat(pipeline.delivered()).isEqualTo(LABELED + POOL);
            assertThat(seeds)
                    .as("seeds by image id, %d before the restart", seedsBefore.size())
                    .doesNotHaveDuplicates()
                    .containsAll(seedsBefore)
                    .containsAll(images.labeled().stream().map(LabeledImage::id).toList())
                    .hasSize(LABELED + (int) pipeline.oracle().answered());
            assertThat(pipeline.oracle().answered())
                    .as("the pool's images asked and answered")
                    .isPositive();
            assertThat(KafkaTestClients.readCommitted(pipeline.kafka(), topics.deadLetters(), 0, 1))
                    .as("no image sent twice (a second one is a duplicate-id dead letter)")
                    .isEmpty();

            SmallPipeline.assertVersionsGoOn(models);
        }
    }

    private static LocalPipeline start(
            LocalPipeline.Place where,
            DataDirectory directory,
            LocalPipeline.Images images,
            SeedStreamConfig config,
            double rate)
            throws Exception {
        return LocalPipeline.start(
                new LocalPipeline.Place(directory, where.kafka(), where.checkpoints(), where.topics()),
                images,
                config,
                FlinkCluster.local(0, 4),
                Duration.ofSeconds(1),
                rate,
                true,
                QUIET);
    }

    private static List<String> seeds(LocalPipeline pipeline, Topics topics) {
        List<String> ids = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> record :
                KafkaTestClients.readCommitted(pipeline.kafka(), topics.seeds(), 0, 1)) {
            try {
                ids.add(RecordCodec.SEED.decode(record.value()).getImageId().toString());
            } catch (InvalidRecordException e) {
                throw new AssertionError("a committed seed does not decode", e);
            }
        }
        return ids;
    }

    private static List<ModelSnapshotRecord> models(LocalPipeline pipeline, Topics topics) {
        List<ModelSnapshotRecord> models = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> record :
                KafkaTestClients.readCommitted(pipeline.kafka(), topics.models(), 0, 1)) {
            try {
                models.add(RecordCodec.MODEL_SNAPSHOT.decode(record.value()));
            } catch (InvalidRecordException e) {
                throw new AssertionError("a committed model does not decode", e);
            }
        }
        return models;
    }
}
