package io.seedstream.cli.local;

import io.seedstream.flink.common.KafkaWiring;
import io.seedstream.records.DeadLetter;
import io.seedstream.records.InvalidRecordException;
import io.seedstream.records.ModelSnapshotRecord;
import io.seedstream.records.RecordCodec;
import io.seedstream.records.Topics;
import io.seedstream.records.kafka.KafkaClients;
import io.seedstream.records.kafka.KafkaConnection;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

/**
 * Follows what the pipeline commits (seeds, models, dead letters) and sums it up in one line: how
 * a user of the local run sees it working.
 */
public final class PipelineWatcher implements AutoCloseable {

    private final Topics topics;
    private final KafkaConsumer<byte[], byte[]> consumer;
    /** Where the seeds topic ended when watching began: the seeds before it are an earlier run's. */
    private final Map<TopicPartition, Long> seedsAtStart;

    private long seeds;
    private long seedsSinceStart;
    private double pseudoLabelMiouSum;
    private long pseudoLabelMious;
    private final Map<String, ModelSnapshotRecord> latestModels = new TreeMap<>();
    private final Map<String, Long> deadLetters = new TreeMap<>();

    public PipelineWatcher(KafkaConnection kafka, Topics topics) {
        this.topics = topics;
        consumer = KafkaWiring.committedReader(kafka, topics.prefix() + "watcher-");
        List<TopicPartition> partitions = Stream.of(topics.seeds(), topics.models(), topics.deadLetters())
                .flatMap(topic -> consumer.partitionsFor(topic).stream())
                .map(p -> new TopicPartition(p.topic(), p.partition()))
                .toList();
        consumer.assign(partitions); // no group: every partition, from the start
        consumer.seekToBeginning(partitions);
        seedsAtStart = consumer.endOffsets(partitions.stream()
                .filter(p -> p.topic().equals(topics.seeds()))
                .toList());
    }

    /** Reads what arrived within {@code wait}. */
    public void poll(Duration wait) {
        for (ConsumerRecord<byte[], byte[]> record : consumer.poll(wait)) {
            try {
                if (record.topic().equals(topics.seeds())) {
                    seeds++;
                    if (record.offset()
                            >= seedsAtStart.getOrDefault(new TopicPartition(record.topic(), record.partition()), 0L)) {
                        seedsSinceStart++;
                    }
                    Double miou = RecordCodec.SEED.decode(record.value()).getPseudoLabelMiou();
                    if (miou != null) {
                        pseudoLabelMiouSum += miou;
                        pseudoLabelMious++;
                    }
                } else if (record.topic().equals(topics.models())) {
                    ModelSnapshotRecord model = RecordCodec.MODEL_SNAPSHOT.decode(record.value());
                    latestModels.put(model.getName(), model);
                } else {
                    DeadLetter letter = RecordCodec.DEAD_LETTER.decode(record.value());
                    deadLetters.merge(
                            letter.getStage() + ": " + letter.getReason().replaceAll(" \\(.*\\)$", ""), 1L, Long::sum);
                }
            } catch (InvalidRecordException e) {
                deadLetters.merge("unreadable on " + record.topic(), 1L, Long::sum);
            }
        }
    }

    /** Seeds committed, in this run and earlier ones. */
    public long seeds() {
        return seeds;
    }

    /** Seeds committed since watching began. */
    public long seedsSinceStart() {
        return seedsSinceStart;
    }

    /** e.g. "seeds 412 (pseudo-label mIoU 0.262) | classifier v7 (eval mIoU 0.201) | segmenter v3 (eval mIoU 0.240) | dead letters 0". */
    public String status() {
        StringBuilder line = new StringBuilder("seeds " + seeds);
        if (pseudoLabelMious > 0) {
            line.append(String.format(" (pseudo-label mIoU %.3f)", pseudoLabelMiouSum / pseudoLabelMious));
        }
        for (ModelSnapshotRecord model : latestModels.values()) {
            line.append(" | ")
                    .append(model.getName())
                    .append(" v")
                    .append(model.getVersion())
                    .append(" step ")
                    .append(model.getTrainingStep());
            if (model.getEvalMiou() != null) {
                line.append(String.format(" (eval mIoU %.3f)", model.getEvalMiou()));
            }
        }
        line.append(" | dead letters ")
                .append(deadLetters.values().stream().mapToLong(Long::longValue).sum());
        return line.toString();
    }

    /** Dead letters by stage and reason. */
    public Map<String, Long> deadLetters() {
        return deadLetters;
    }

    @Override
    public void close() {
        KafkaClients.closeAfterInterrupt(consumer); // closed after Ctrl-C interrupted the polling thread
    }
}
