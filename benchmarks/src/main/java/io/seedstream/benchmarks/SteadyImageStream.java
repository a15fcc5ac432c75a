package io.seedstream.benchmarks;

import io.seedstream.records.ImageRecords;
import io.seedstream.records.Topics;
import io.seedstream.records.kafka.KafkaClients;
import io.seedstream.records.kafka.KafkaConnection;
import io.seedstream.segmentation.data.LabeledImage;
import io.seedstream.segmentation.data.SyntheticDataset;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;

/**
 * New synthetic images with unique ids at a steady rate, as the soak and the fault benchmark stream
 * them: three labeled (every fifth with its mask) to one unlabeled. Paced over the whole stream,
 * one image every 1/rate seconds; after an outage it goes on at the rate, without a burst. A
 * producer that failed for good is replaced by a new one.
 */
final class SteadyImageStream {

    /** What became of each image. */
    interface Listener {
        /** Handed to the producer. */
        void sent(String id, boolean labeled);

        /** Acknowledged by the broker. */
        void acknowledged(String id, boolean labeled);
    }

    private final KafkaConnection kafka;
    private final Topics topics;
    private final SyntheticDataset data;
    private final double rate;
    private final String source;

    SteadyImageStream(KafkaConnection kafka, Topics topics, SyntheticDataset data, double rate, String source) {
        if (rate <= 0) {
            throw new IllegalArgumentException("the rate must be positive, was " + rate);
        }
        this.kafka = kafka;
        this.topics = topics;
        this.data = data;
        this.rate = rate;
        this.source = source;
    }

    /** Streams until {@code running} says stop or the thread is interrupted. */
    void run(BooleanSupplier running, Listener listener) {
        KafkaProducer<byte[], byte[]> producer = null;
        long next = System.nanoTime();
        try {
            for (int i = 0; running.getAsBoolean(); i++) {
                Thread.sleep(Math.max(0, TimeUnit.NANOSECONDS.toMillis(next - System.nanoTime())));
                if (!running.getAsBoolean()) {
                    break;
                }
                next = Math.max(next, System.nanoTime()) + (long) (1e9 / rate);
                LabeledImage image = data.image(i);
                boolean labeled = i % 4 != 3;
                LabeledImage sent = labeled
                        ? image
                        : new LabeledImage(image.id(), image.width(), image.height(), image.rgb(), null, new int[0]);
                byte[] value =
                        ImageRecords.encode(sent, data.classes(), i % 5 == 0, source, System.currentTimeMillis());
                if (producer == null) {
                    producer = KafkaClients.producer(kafka);
                }
                listener.sent(image.id(), labeled);
                try {
                    producer.send(
                            new ProducerRecord<>(
                                    labeled ? topics.labeledImages() : topics.unlabeledImages(),
                                    image.id().getBytes(StandardCharsets.UTF_8),
                                    value),
                            (metadata, e) -> {
                                if (e == null) {
                                    listener.acknowledged(image.id(), labeled);
                                }
                            });
                } catch (KafkaException e) { // a producer in a fatal state: a new one takes over
                    producer.close(Duration.ZERO);
                    producer = null;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            throw new IllegalStateException("could not encode a synthetic image", e);
        } finally {
            if (producer != null) {
                KafkaClients.closeAfterInterrupt(producer);
            }
        }
    }
}
