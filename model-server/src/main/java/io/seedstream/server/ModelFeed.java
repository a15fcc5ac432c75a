package io.seedstream.server;

import io.seedstream.records.InvalidRecordException;
import io.seedstream.records.ModelSnapshotRecord;
import io.seedstream.records.RecordCodec;
import io.seedstream.records.Topics;
import io.seedstream.records.kafka.KafkaConnection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the server's topics on one thread. The compacted models topic is read from the start:
 * everything up to its end at start-up is history, of which only the newest snapshot per model is
 * loaded; after that every new snapshot is offered as it comes. The labeled-images and seeds topics
 * are read from a little before their end, for the live page; the held-out images from the start. Only committed records are read (the
 * jobs write transactionally).
 */
public final class ModelFeed implements AutoCloseable {

    /** How far before the end the live page's topics are read from, per partition. */
    private static final int RECENT_BACKLOG = 64;

    private static final Duration POLL = Duration.ofMillis(200);
    private static final Logger LOG = LoggerFactory.getLogger(ModelFeed.class);

    private final Topics topics;
    private final ServedModels models;
    private final RecentPredictions recent;
    private final HeldOutScores heldOut;
    private final ServerMetrics metrics;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final Thread thread;
    private volatile boolean running = true;
    private volatile boolean caughtUp;
    private final TopicReaders.FeedProblem problem =
            new TopicReaders.FeedProblem("the model feed", Duration.ofSeconds(5));

    public ModelFeed(
            KafkaConnection kafka,
            Topics topics,
            ServedModels models,
            RecentPredictions recent,
            HeldOutScores heldOut,
            ServerMetrics metrics) {
        this.topics = topics;
        this.metrics = metrics;
        this.models = models;
        this.recent = recent;
        this.heldOut = heldOut;
        this.consumer = TopicReaders.committedConsumer(kafka, "seedstream-model-server");
        this.thread = new Thread(this::run, "seedstream-model-feed");
        thread.setDaemon(true);
        thread.start();
    }

    /** What keeps the feed from reading now (a topic missing or not granted, ...); null while it reads. */
    public String problem() {
        return problem.current();
    }

    /** Whether the models topic has been read up to where it ended when the server started. */
    public boolean caughtUp() {
        return caughtUp;
    }

    private void run() {
        try {
            List<TopicPartition> modelPartitions =
                    TopicReaders.awaitPartitions(consumer, topics.models(), () -> running, problem);
            List<TopicPartition> imagePartitions =
                    TopicReaders.awaitPartitions(consumer, topics.labeledImages(), () -> running, problem);
            List<TopicPartition> seedPartitions =
                    TopicReaders.awaitPartitions(consumer, topics.seeds(), () -> running, problem);
            List<TopicPartition> heldOutPartitions =
                    TopicReaders.awaitPartitions(consumer, topics.heldOutImages(), () -> running, problem);
            if (!running || Thread.currentThread().isInterrupted()) {
                return;
            }
            List<TopicPartition> all = new ArrayList<>(modelPartitions);
            all.addAll(imagePartitions);
            all.addAll(seedPartitions);
            all.addAll(heldOutPartitions);
            consumer.assign(all);
            consumer.seekToBeginning(modelPartitions);
            consumer.seekToBeginning(heldOutPartitions);
            Map<TopicPartition, Long> ends =
                    TopicReaders.retrying(() -> consumer.endOffsets(all), () -> running, problem);
            Map<TopicPartition, Long> begins =
                    TopicReaders.retrying(() -> consumer.beginningOffsets(all), () -> running, problem);
            if (ends == null || begins == null) {
                return; // closing
            }
            for (TopicPartition partition : imagePartitions) {
                // The images a little further back than the seeds, so the first seeds find their images.
                consumer.seek(partition, Math.max(begins.get(partition), ends.get(partition) - 2L * RECENT_BACKLOG));
            }
            for (TopicPartition partition : seedPartitions) {
                consumer.seek(partition, Math.max(begins.get(partition), ends.get(partition) - RECENT_BACKLOG));
            }
            Map<TopicPartition, Long> historyEnds =
                    modelPartitions.stream().collect(Collectors.toMap(p -> p, ends::get));
            Map<String, ModelSnapshotRecord> newest = new LinkedHashMap<>();
            while (running) {
                for (ConsumerRecord<byte[], byte[]> record : TopicReaders.poll(consumer, POLL, problem)) {
                    handle(record, newest);
                }
                if (!caughtUp
                        && Boolean.TRUE.equals(TopicReaders.retrying(
                                () -> historyEnds.entrySet().stream()
                                        .allMatch(e -> consumer.position(e.getKey()) >= e.getValue()),
                                () -> running,
                                problem))) {
                    newest.values().forEach(models::offer);
                    newest.clear();
                    caughtUp = true;
                }
            }
        } catch (WakeupException e) {
            // closing
        } catch (RuntimeException e) {
            LOG.error("the model feed stopped; the server keeps serving its current models", e);
        } finally {
            consumer.close(Duration.ofSeconds(2));
        }
    }

    private void handle(ConsumerRecord<byte[], byte[]> record, Map<String, ModelSnapshotRecord> newest) {
        String topic = record.topic();
        metrics.recordsRead.labelValues(topic).inc();
        try {
            if (topic.equals(topics.models())) {
                ModelSnapshotRecord model = RecordCodec.MODEL_SNAPSHOT.decode(record.value());
                if (caughtUp) {
                    models.offer(model);
                } else {
                    models.remember(model);
                    newest.merge(model.getName().toString(), model, (a, b) -> b.getVersion() >= a.getVersion() ? b : a);
                }
            } else if (topic.equals(topics.labeledImages())) {
                recent.imageArrived(RecordCodec.LABELED_IMAGE.decode(record.value()));
            } else if (topic.equals(topics.heldOutImages())) {
                heldOut.imageArrived(RecordCodec.LABELED_IMAGE.decode(record.value()));
            } else {
                recent.seedsArrived(RecordCodec.SEED.decode(record.value()));
            }
        } catch (InvalidRecordException e) {
            // Bad images go to the dead-letter topic through the jobs; here they are only not shown.
            if (topic.equals(topics.models())) {
                models.refuse(
                        "unreadable message on " + topic + " at offset " + record.offset() + ": " + e.getMessage());
            }
        }
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        consumer.wakeup();
        thread.join(10_000);
    }
}
