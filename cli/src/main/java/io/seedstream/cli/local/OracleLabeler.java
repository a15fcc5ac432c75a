package io.seedstream.cli.local;

import io.seedstream.flink.common.KafkaWiring;
import io.seedstream.records.ImageRecords;
import io.seedstream.records.InvalidRecordException;
import io.seedstream.records.RecordCodec;
import io.seedstream.records.Topics;
import io.seedstream.records.kafka.DeliveredIds;
import io.seedstream.records.kafka.KafkaClients;
import io.seedstream.records.kafka.KafkaConnection;
import io.seedstream.segmentation.data.ClassList;
import io.seedstream.segmentation.data.LabeledImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.InterruptException;

/**
 * Stands in for the people who label, for the demo and benchmarks: answers each committed label
 * request after {@code delay} with the image's true classes (and its mask, if {@code withMasks})
 * from the data set, on images.labeled under the request's image id. Requests for images it does
 * not know are counted and skipped, and so are requests it answered already (in {@code answered},
 * which a restarted oracle reads back, as it reads every request again).
 */
public final class OracleLabeler implements Runnable {

    private record Due(long atMs, String imageId) {}

    private final KafkaConnection kafka;
    private final Topics topics;
    private final Map<String, LabeledImage> truth;
    private final ClassList classes;
    private final Duration delay;
    private final boolean withMasks;
    private final DeliveredIds answered;
    private final AtomicLong unknown = new AtomicLong();

    public OracleLabeler(
            KafkaConnection kafka,
            Topics topics,
            Map<String, LabeledImage> truth,
            ClassList classes,
            Duration delay,
            boolean withMasks,
            DeliveredIds answered) {
        this.kafka = kafka;
        this.topics = topics;
        this.truth = truth;
        this.classes = classes;
        this.delay = delay;
        this.withMasks = withMasks;
        this.answered = answered;
    }

    /** Answers until the thread is interrupted. */
    @Override
    public void run() {
        Deque<Due> due = new ArrayDeque<>();
        KafkaConsumer<byte[], byte[]> consumer =
                KafkaWiring.committedReader(kafka, topics.prefix() + "oracle-"); // within the ACLs of the jobs' groups
        KafkaProducer<byte[], byte[]> producer = KafkaClients.producer(kafka);
        try {
            consumer.subscribe(List.of(topics.labelRequests()));
            while (!Thread.currentThread().isInterrupted()) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    try {
                        String imageId = RecordCodec.LABEL_REQUEST
                                .decode(record.value())
                                .getImageId()
                                .toString();
                        if (!answered.contains(imageId)) {
                            due.add(new Due(System.currentTimeMillis() + delay.toMillis(), imageId));
                        }
                    } catch (InvalidRecordException e) {
                        unknown.incrementAndGet();
                    }
                }
                while (!due.isEmpty() && due.peek().atMs() <= System.currentTimeMillis()) {
                    answer(producer, due.poll().imageId());
                }
            }
        } catch (InterruptException e) {
            Thread.currentThread().interrupt();
        } finally {
            KafkaClients.closeAfterInterrupt(consumer);
            KafkaClients.closeAfterInterrupt(producer);
        }
    }

    private void answer(KafkaProducer<byte[], byte[]> producer, String imageId) {
        LabeledImage image = truth.get(imageId);
        if (image == null) {
            unknown.incrementAndGet();
            return;
        }
        try {
            byte[] value = ImageRecords.encode(
                    image, classes, withMasks && image.hasMask(), "oracle", System.currentTimeMillis());
            producer.send(
                    new ProducerRecord<>(topics.labeledImages(), imageId.getBytes(StandardCharsets.UTF_8), value),
                    (metadata, e) -> {
                        if (e == null) {
                            answered.add(imageId);
                        }
                    });
        } catch (IOException e) {
            unknown.incrementAndGet();
        }
    }

    /** Requests answered, by this oracle and the ones before it on the same {@code answered}. */
    public long answered() {
        return answered.size();
    }

    /** Requests that could not be answered: unreadable, or for an image not in the data set. */
    public long unanswerable() {
        return unknown.get();
    }
}
