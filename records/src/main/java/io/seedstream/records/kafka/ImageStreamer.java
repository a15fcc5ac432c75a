package io.seedstream.records.kafka;

import io.seedstream.records.ImageRecords;
import io.seedstream.segmentation.data.ClassList;
import io.seedstream.segmentation.data.LabeledImage;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntPredicate;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Streams labeled images into a topic at a steady rate, with a progress line, and counts what the
 * broker took and what it refused (and why). Images are keyed by id, so one id always lands in one
 * partition.
 */
public final class ImageStreamer {

    /** What was sent, what an earlier run had delivered already, and per reason how many the broker (or the encoder) refused. */
    public record Summary(long sent, long deliveredBefore, Map<String, Long> failed, double seconds) {}

    private final KafkaConnection kafka;
    private final String topic;
    private final double imagesPerSecond;
    private final PrintStream progress;

    /** @param imagesPerSecond at most this many per second; 0 or less: as fast as the broker takes them */
    public ImageStreamer(KafkaConnection kafka, String topic, double imagesPerSecond, PrintStream progress) {
        this.kafka = kafka;
        this.topic = topic;
        this.imagesPerSecond = imagesPerSecond;
        this.progress = progress;
    }

    public Summary stream(List<LabeledImage> images, ClassList classes, IntPredicate withMask, String source)
            throws InterruptedException {
        return stream(images, classes, withMask, source, DeliveredIds.inMemory());
    }

    /** Sends the images that {@code delivered} does not hold, and adds each one the broker acknowledges. */
    public Summary stream(
            List<LabeledImage> images, ClassList classes, IntPredicate withMask, String source, DeliveredIds delivered)
            throws InterruptedException {
        Properties p = kafka.properties();
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true"); // a retried send is not a second image
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        AtomicLong acknowledged = new AtomicLong();
        long deliveredBefore = 0;
        Map<String, Long> failed = new ConcurrentHashMap<>();
        long started = System.nanoTime();
        KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p);
        try {
            for (int i = 0; i < images.size() && !Thread.currentThread().isInterrupted(); i++) {
                LabeledImage image = images.get(i);
                if (delivered.contains(image.id())) {
                    deliveredBefore++;
                    continue;
                }
                pace(started, i - (int) deliveredBefore);
                byte[] value;
                try {
                    value = ImageRecords.encode(image, classes, withMask.test(i), source, System.currentTimeMillis());
                } catch (IOException | RuntimeException e) {
                    failed.merge("could not encode: " + e.getMessage(), 1L, Long::sum);
                    continue;
                }
                producer.send(
                        new ProducerRecord<>(topic, image.id().getBytes(StandardCharsets.UTF_8), value),
                        (metadata, e) -> {
                            if (e == null) {
                                acknowledged.incrementAndGet();
                                delivered.add(image.id());
                            } else {
                                failed.merge(e.getClass().getSimpleName() + ": " + e.getMessage(), 1L, Long::sum);
                            }
                        });
                if (progress != null && (i + 1) % 10 == 0) {
                    progress.printf("\rsent %d/%d images (%.1f/s)", i + 1, images.size(), (i + 1) / seconds(started));
                }
            }
            if (!Thread.currentThread().isInterrupted()) { // stopped (Ctrl-C): what was not sent stays unsent
                producer.flush();
            }
        } finally {
            KafkaClients.closeAfterInterrupt(producer);
        }
        if (progress != null) {
            progress.println();
        }
        return new Summary(acknowledged.get(), deliveredBefore, new TreeMap<>(failed), seconds(started));
    }

    private void pace(long started, int index) throws InterruptedException {
        if (imagesPerSecond > 0) {
            long dueNanos = started + (long) (index / imagesPerSecond * 1e9);
            long wait = dueNanos - System.nanoTime();
            if (wait > 0) {
                Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
            }
        }
    }

    private static double seconds(long started) {
        return Math.max(1e-9, (System.nanoTime() - started) / 1e9);
    }
}
