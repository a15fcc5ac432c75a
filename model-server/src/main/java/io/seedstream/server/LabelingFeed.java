package io.seedstream.server;

import io.seedstream.records.InvalidRecordException;
import io.seedstream.records.LabeledImageRecord;
import io.seedstream.records.RecordCodec;
import io.seedstream.records.Topics;
import io.seedstream.records.kafka.KafkaConnection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fills the {@link LabelQueue} on a thread of its own: label-requests, images.labeled and
 * images.unlabeled, each from its beginning (committed records only; the images once the requests
 * and answers so far are read), then as they come.
 */
final class LabelingFeed implements AutoCloseable {

    private static final Duration POLL = Duration.ofMillis(200);
    private static final Logger LOG = LoggerFactory.getLogger(LabelingFeed.class);

    private final Topics topics;
    private final LabelQueue queue;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final Thread thread;
    private volatile boolean running = true;
    private volatile String waitingFor;
    private final TopicReaders.FeedProblem problem =
            new TopicReaders.FeedProblem("the labeling feed", Duration.ofSeconds(5));

    LabelingFeed(KafkaConnection kafka, Topics topics, LabelQueue queue) {
        this.topics = topics;
        this.queue = queue;
        this.consumer = TopicReaders.committedConsumer(kafka, "seedstream-labeling");
        this.thread = new Thread(this::run, "seedstream-labeling-feed");
        thread.setDaemon(true);
        thread.start();
    }

    /** What keeps the feed from reading now (a topic not granted, ...); null while it reads. */
    String problem() {
        return problem.current();
    }

    /** The topic the feed waits to exist, or null once it reads them all. */
    String waitingFor() {
        return waitingFor;
    }

    private void run() {
        try {
            List<TopicPartition> answersAndRequests = new ArrayList<>();
            for (String topic : List.of(topics.labelRequests(), topics.labeledImages())) {
                waitingFor = topic;
                answersAndRequests.addAll(TopicReaders.awaitPartitions(consumer, topic, () -> running, problem));
            }
            waitingFor = topics.unlabeledImages();
            List<TopicPartition> images =
                    TopicReaders.awaitPartitions(consumer, topics.unlabeledImages(), () -> running, problem);
            if (!running || Thread.currentThread().isInterrupted()) {
                return;
            }
            waitingFor = null;
            List<TopicPartition> all = new ArrayList<>(answersAndRequests);
            all.addAll(images);
            consumer.assign(all);
            consumer.seekToBeginning(all);
            // Requests and answers up to now first: then every image read is known to be asked about or not, and
            // the cache of images not asked about cannot push out one that is.
            consumer.pause(images);
            Map<TopicPartition, Long> ends =
                    TopicReaders.retrying(() -> consumer.endOffsets(answersAndRequests), () -> running, problem);
            if (ends == null) {
                return; // closing
            }
            boolean readingImages = false;
            while (running) {
                for (ConsumerRecord<byte[], byte[]> record : TopicReaders.poll(consumer, POLL, problem)) {
                    handle(record);
                }
                if (!readingImages
                        && Boolean.TRUE.equals(TopicReaders.retrying(
                                () -> ends.entrySet().stream()
                                        .allMatch(e -> consumer.position(e.getKey()) >= e.getValue()),
                                () -> running,
                                problem))) {
                    consumer.resume(images);
                    readingImages = true;
                }
            }
        } catch (WakeupException e) {
            // closing
        } catch (RuntimeException e) {
            LOG.error("the labeling feed stopped; the labeling page shows no new requests", e);
        } finally {
            consumer.close(Duration.ofSeconds(2));
        }
    }

    private void handle(ConsumerRecord<byte[], byte[]> record) {
        try {
            if (record.topic().equals(topics.labelRequests())) {
                queue.requestArrived(RecordCodec.LABEL_REQUEST.decode(record.value()));
            } else if (record.topic().equals(topics.unlabeledImages())) {
                queue.unlabeledImageArrived(RecordCodec.LABELED_IMAGE.decode(record.value()));
            } else {
                LabeledImageRecord labeled = RecordCodec.LABELED_IMAGE.decode(record.value());
                queue.labeled(labeled.getId(), labeled.getSource());
            }
        } catch (InvalidRecordException e) {
            // The jobs send bad records to the dead-letter topic; the page only does not show them.
            LOG.debug("unreadable message on {} at offset {}: {}", record.topic(), record.offset(), e.getMessage());
        }
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        consumer.wakeup();
        thread.join(10_000);
    }
}
