package io.seedstream.flink;

import static org.assertj.core.api.Assertions.assertThat;

import io.seedstream.embedded.EmbeddedKafka;
import io.seedstream.flink.common.KafkaSettings;
import io.seedstream.flink.common.ModelRecords;
import io.seedstream.records.RecordCodec;
import io.seedstream.records.SeedRecord;
import io.seedstream.records.Topics;
import io.seedstream.records.kafka.ImageStreamer;
import io.seedstream.records.kafka.KafkaConnection;
import io.seedstream.records.kafka.TopicSetup;
import io.seedstream.segmentation.config.SeedStreamConfig;
import io.seedstream.segmentation.data.SyntheticDataset;
import io.seedstream.segmentation.nn.ModelName;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import org.apache.flink.core.execution.JobClient;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged job jar on a Flink cluster of its own (separate processes, a lib/ without the jar's
 * contents), submitted the way {@code seedstream demo --flink HOST:PORT} submits it.
 */
class ExternalClusterIT {

    @Test
    void theJobJarRunsTheLocalizationJobOnAnExternalCluster(@TempDir Path work) throws Exception {
        Path jobJar = Path.of("target", "seedstream-jobs.jar");
        SeedStreamConfig config = SeedStreamConfig.defaults()
                .with("synthetic.imageSize", 32)
                .with("trainer.shortSide", 32)
                .with("backbone.channels", "8,8,16,16,16,16");
        SyntheticDataset data = new SyntheticDataset(config.synthetic());
        Topics topics = new Topics("external-test.");
        int images = 10;
        try (EmbeddedKafka kafka = EmbeddedKafka.start();
                StandaloneFlink flink = StandaloneFlink.start(work);
                FlinkCluster cluster = FlinkCluster.remote(flink.restAddress(), jobJar)) {
            String servers = kafka.bootstrapServers();
            TopicSetup.ensure(KafkaConnection.plain(servers), topics, 2);
            try (KafkaProducer<byte[], byte[]> producer = KafkaTestClients.producer(servers)) {
                producer.send(new ProducerRecord<>(
                                topics.models(),
                                ModelName.CLASSIFIER.id().getBytes(StandardCharsets.UTF_8),
                                ModelRecords.initialClassifier(config, data.classes(), 1, 5)))
                        .get();
            }
            new ImageStreamer(KafkaConnection.plain(servers), topics.labeledImages(), 0, null)
                    .stream(data.images(0, images), data.classes(), i -> false, "test");

            JobClient job = cluster.submit(
                    FlinkCluster.Job.LOCALIZATION,
                    config,
                    data.classes(),
                    new KafkaSettings(KafkaConnection.plain(servers), topics, false),
                    Duration.ofSeconds(1),
                    work.resolve("checkpoints").toUri());
            try {
                Set<String> seeded = new HashSet<>();
                for (ConsumerRecord<byte[], byte[]> record :
                        KafkaTestClients.readCommitted(servers, topics.seeds(), images, 120)) {
                    SeedRecord seed = RecordCodec.SEED.decode(record.value());
                    assertThat(seeded.add(seed.getImageId()))
                            .as("one seed record per image")
                            .isTrue();
                    assertThat(seed.getClassifierVersion()).isEqualTo(1);
                }
                assertThat(seeded).hasSize(images);
                assertThat(cluster.latestCheckpointStateBytes(job))
                        .as("checkpointed on the cluster")
                        .isPresent();
            } finally {
                job.cancel().get();
            }
        }
    }
}
