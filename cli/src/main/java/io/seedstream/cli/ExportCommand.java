package io.seedstream.cli;

import io.seedstream.flink.common.KafkaWiring;
import io.seedstream.model.ExportedModel;
import io.seedstream.records.Bytes;
import io.seedstream.records.ConfigOptions;
import io.seedstream.records.InvalidRecordException;
import io.seedstream.records.ModelSnapshotRecord;
import io.seedstream.records.RecordCodec;
import io.seedstream.records.Topics;
import io.seedstream.records.kafka.KafkaConnection;
import io.seedstream.segmentation.config.SeedStreamConfig;
import io.seedstream.segmentation.nn.ModelName;
import io.seedstream.segmentation.snapshot.ModelSnapshot;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code ./seedstream export}: the newest published segmenter as a DJL model directory ({@link ExportedModel}). */
@Command(
        name = "export",
        mixinStandardHelpOptions = true,
        description = "Write the newest segmenter on the pipeline's models topic as a DJL model directory: plain DJL"
                + " code loads it with Criteria and seedstream-model's SegmentationTranslatorFactory, without Flink or"
                + " Kafka (the directory's README.txt shows how). The model server does the same at"
                + " GET /v1/models/segmenter/export.")
final class ExportCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @CommandLine.Mixin
    ConfigOptions configOptions = new ConfigOptions();

    @CommandLine.Mixin
    PipelineCommands.KafkaOptions kafkaOptions = new PipelineCommands.KafkaOptions();

    @Option(
            names = "--model",
            defaultValue = "segmenter",
            description = "the model to export; only the segmenter can be (default ${DEFAULT-VALUE})")
    String model;

    @Option(
            names = "--out",
            required = true,
            description = "the model directory to write: new, or empty. Its input size is trainer.shortSide of this"
                    + " configuration (the working resolution): give the pipeline's own (--config, --set)")
    Path out;

    @Option(
            names = "--timeout-seconds",
            defaultValue = "60",
            description = "how long to read the models topic at most (default ${DEFAULT-VALUE})")
    int timeoutSeconds;

    @Override
    public Integer call() throws Exception {
        if (!model.equals(ModelName.SEGMENTER.id())) {
            throw new IllegalArgumentException("only the segmenter can be exported, not " + model);
        }
        if (Files.exists(out) && (!Files.isDirectory(out) || !isEmpty(out))) {
            throw new IllegalArgumentException("--out " + out + " exists and is not an empty directory");
        }
        SeedStreamConfig config = configOptions.load();
        Topics topics = kafkaOptions.topics(config);
        ModelSnapshotRecord newest = newest(kafkaOptions.requiredBy("export"), topics);
        if (newest == null) {
            spec.commandLine()
                    .getErr()
                    .println("export: no " + model + " on " + topics.models() + " yet (the trainer publishes its first"
                            + " after trainer.publishEverySteps steps)");
            return 1;
        }
        ModelSnapshot snapshot;
        try {
            snapshot = ModelSnapshot.fromBytes(Bytes.toArray(newest.getParameters()));
        } catch (ModelSnapshot.InvalidSnapshotException e) {
            throw new IllegalArgumentException(
                    model + " v" + newest.getVersion() + " on " + topics.models() + " is unreadable: " + e.getMessage(),
                    e);
        }
        ExportedModel.write(ExportedModel.files(snapshot, config.trainer().shortSide()), out);
        System.out.printf(
                "exported %s v%d (training step %d, eval mIoU %s) to %s; README.txt there says how to load it%n",
                model,
                snapshot.version(),
                newest.getTrainingStep(),
                newest.getEvalMiou() == null ? "not scored" : String.format("%.3f", newest.getEvalMiou()),
                out);
        return 0;
    }

    /** The newest committed version of the model on the models topic; null when there is none. */
    private ModelSnapshotRecord newest(KafkaConnection kafka, Topics topics) {
        try (KafkaConsumer<byte[], byte[]> consumer = KafkaWiring.committedReader(kafka, topics.prefix() + "export-")) {
            List<TopicPartition> partitions = consumer.partitionsFor(topics.models()).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition()))
                    .toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
            long deadline =
                    System.nanoTime() + Duration.ofSeconds(timeoutSeconds).toNanos();
            ModelSnapshotRecord newest = null;
            while (partitions.stream().anyMatch(p -> consumer.position(p) < ends.get(p))) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalArgumentException("the models topic " + topics.models() + " was not read to its"
                            + " end within " + timeoutSeconds + " s (--timeout-seconds)");
                }
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(500))) {
                    try {
                        ModelSnapshotRecord candidate = RecordCodec.MODEL_SNAPSHOT.decode(record.value());
                        if (candidate.getName().equals(model)
                                && (newest == null || candidate.getVersion() > newest.getVersion())) {
                            newest = candidate;
                        }
                    } catch (InvalidRecordException e) {
                        spec.commandLine()
                                .getErr()
                                .println("export: skipped an unreadable record at offset " + record.offset() + " of "
                                        + record.topic() + ": " + e.getMessage());
                    }
                }
            }
            return newest;
        }
    }

    private static boolean isEmpty(Path dir) throws IOException {
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.findAny().isEmpty();
        }
    }
}
