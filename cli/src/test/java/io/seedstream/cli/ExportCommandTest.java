package io.seedstream.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.seedstream.embedded.EmbeddedKafka;
import io.seedstream.flink.common.ModelRecords;
import io.seedstream.records.RecordCodec;
import io.seedstream.records.Topics;
import io.seedstream.records.kafka.KafkaClients;
import io.seedstream.records.kafka.KafkaConnection;
import io.seedstream.records.kafka.TopicSetup;
import io.seedstream.segmentation.config.SeedStreamConfig;
import io.seedstream.segmentation.data.ClassList;
import io.seedstream.segmentation.data.SyntheticDataset;
import io.seedstream.segmentation.snapshot.InitialModels;
import io.seedstream.segmentation.snapshot.ModelSnapshot;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code ./seedstream export} on a real broker: the newest segmenter on the models topic, or why not. */
class ExportCommandTest {

    private static final SeedStreamConfig CONFIG = SeedStreamConfig.defaults();
    private static final ClassList CLASSES = new SyntheticDataset(CONFIG.synthetic()).classes();

    @TempDir
    Path dir;

    @Test
    void writesTheNewestSegmenterOfTheModelsTopicOrSaysWhyNot() throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
            KafkaConnection connection = KafkaConnection.plain(kafka.bootstrapServers());
            Topics topics = new Topics("e.");
            TopicSetup.ensure(connection, topics, 1);
            StringWriter errors = new StringWriter();
            assertThat(run(kafka, errors, "--out", dir.resolve("none").toString()))
                    .isEqualTo(1);
            assertThat(errors.toString()).contains("no segmenter on e.models yet");

            ModelSnapshot newest = InitialModels.segmenter(CONFIG, CLASSES, 2, 7);
            try (KafkaProducer<byte[], byte[]> producer = KafkaClients.producer(connection)) {
                for (ModelSnapshot snapshot : List.of( // the newest version first: the highest wins, not the last
                        newest,
                        InitialModels.segmenter(CONFIG, CLASSES, 1, 5),
                        InitialModels.classifier(CONFIG, CLASSES, 3, 9))) {
                    producer.send(new ProducerRecord<>(
                                    topics.models(),
                                    snapshot.name().getBytes(StandardCharsets.UTF_8),
                                    RecordCodec.MODEL_SNAPSHOT.encode(
                                            ModelRecords.of(snapshot, 10, null, 0, new long[0]))))
                            .get();
                }
            }
            Path out = dir.resolve("segmenter");
            assertThat(run(kafka, new StringWriter(), "--out", out.toString())).isZero();
            assertThat(Files.readAllBytes(out.resolve("segmenter.snapshot"))).isEqualTo(newest.toBytes());
            assertThat(Files.readString(out.resolve("serving.properties"))).contains("version=2", "shortSide=96");
            assertThat(Files.readAllLines(out.resolve("synset.txt"))).isEqualTo(CLASSES.names());

            StringWriter refused = new StringWriter();
            assertThat(run(kafka, refused, "--out", out.toString())).isEqualTo(2);
            assertThat(refused.toString()).contains("exists and is not an empty directory");
            assertThat(run(
                            kafka,
                            refused,
                            "--model",
                            "classifier",
                            "--out",
                            dir.resolve("c").toString()))
                    .isEqualTo(2);
            assertThat(refused.toString()).contains("only the segmenter can be exported, not classifier");
        }
    }

    private static int run(EmbeddedKafka kafka, StringWriter errors, String... options) {
        CommandLine commandLine = SeedStreamCli.commandLine();
        commandLine.setErr(new PrintWriter(errors, true));
        String[] args = new String[options.length + 5];
        System.arraycopy(
                new String[] {"export", "--kafka", kafka.bootstrapServers(), "--topic-prefix", "e."}, 0, args, 0, 5);
        System.arraycopy(options, 0, args, 5, options.length);
        return commandLine.execute(args);
    }
}
