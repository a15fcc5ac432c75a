package io.seedstream.server;

import io.seedstream.records.Bytes;
import io.seedstream.records.LabeledImageRecord;
import io.seedstream.records.SeedRecord;
import io.seedstream.segmentation.data.ImageCodec;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The newest streamed images that got their seeds, each with what the models in service make of
 * it: the predicted class mask over the image and the heat-map of its classes' localization maps
 * (computed when its seeds arrive, through the same batching as API requests), next to its seeds.
 */
public final class RecentPredictions implements AutoCloseable {

    /** One image on the live page; pictures are PNG. */
    public record Item(
            String id,
            List<String> labels,
            List<String> classes,
            long enteredMs,
            long seededMs,
            long classifierVersion,
            long segmenterVersion,
            float seedCoverage,
            Double pseudoLabelMiou,
            Double predictionMiou,
            byte[] image,
            byte[] overlay,
            byte[] heatMap,
            byte[] seeds) {

        public Optional<byte[]> picture(String name) {
            return Optional.ofNullable(
                    switch (name) {
                        case "image" -> image;
                        case "overlay" -> overlay;
                        case "heatmap" -> heatMap;
                        case "seeds" -> seeds;
                        default -> null;
                    });
        }
    }

    /** Images wait here for their seeds (which follow a checkpoint or more later). */
    private static final int AWAITING_SEEDS = 512;

    private static final Logger LOG = LoggerFactory.getLogger(RecentPredictions.class);

    private final Inference inference;
    private final int capacity;
    private final Map<String, LabeledImageRecord> awaitingSeeds = new LinkedHashMap<>(16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, LabeledImageRecord> eldest) {
            return size() > AWAITING_SEEDS;
        }
    };
    private final Deque<Item> items = new ArrayDeque<>();
    /** Decoding and rendering stay off the inference thread. */
    private final ExecutorService renderer = Executors.newSingleThreadExecutor(r -> {
        Thread thread = new Thread(r, "seedstream-recent-predictions");
        thread.setDaemon(true);
        return thread;
    });

    public RecentPredictions(Inference inference, int capacity) {
        this.inference = inference;
        this.capacity = capacity;
    }

    public synchronized void imageArrived(LabeledImageRecord image) {
        awaitingSeeds.put(image.getId(), image);
    }

    /** Starts the predictions for the seeded image; the item appears when they are done. */
    public void seedsArrived(SeedRecord seeds) {
        LabeledImageRecord record;
        synchronized (this) {
            record = awaitingSeeds.remove(seeds.getImageId());
        }
        if (record == null) {
            return; // its image came before this server started reading
        }
        renderer.execute(() -> predict(record, seeds));
    }

    private void predict(LabeledImageRecord record, SeedRecord seeds) {
        try {
            ImageCodec.Rgb image = ImageCodec.decodeRgb(Bytes.toArray(record.getImage()));
            CompletableFuture<Inference.Segmentation> segmentation = inference.segment(image);
            CompletableFuture<Inference.Heat> maps = inference.heat(image, record.getLabels());
            Inference.Segmentation predicted = segmentation.join();
            Inference.Heat heat = maps.join();
            byte[] seedPixels = Bytes.toArray(seeds.getSeeds());
            Item item = new Item(
                    record.getId(),
                    record.getLabels().stream().map(Object::toString).toList(),
                    predicted.classes(),
                    record.getTimestampMs(),
                    seeds.getTimestampMs(),
                    heat.classifierVersion(),
                    predicted.modelVersion(),
                    seeds.getSeedCoverage(),
                    seeds.getPseudoLabelMiou(),
                    predictionMiou(record, predicted),
                    ImageCodec.encodePng(image.width(), image.height(), image.pixels()),
                    Renderings.maskOverlay(image, predicted.mask(), predicted.classes()),
                    Renderings.heatMap(image, heat.map()),
                    seedPixels.length == heat.map().length ? Renderings.seeds(image, seedPixels) : null);
            synchronized (this) {
                items.addFirst(item);
                while (items.size() > capacity) {
                    items.removeLast();
                }
            }
        } catch (IOException | RuntimeException e) {
            // The page shows fewer images (no model yet, a busy server, an unreadable image); the API is unaffected.
            LOG.debug("no live prediction for {}: {}", record.getId(), e.getMessage());
        }
    }

    /** The prediction's mIoU against the image's mask, when it came with one. */
    private static Double predictionMiou(LabeledImageRecord record, Inference.Segmentation predicted)
            throws IOException {
        if (record.getMask() == null) {
            return null;
        }
        return HeldOutScores.miou(
                predicted,
                ImageCodec.decodeMask(Bytes.toArray(record.getMask()), predicted.width(), predicted.height()));
    }

    /** Newest first. */
    public synchronized List<Item> items() {
        return new ArrayList<>(items);
    }

    public synchronized Optional<Item> item(String id) {
        return items.stream().filter(item -> item.id().equals(id)).findFirst();
    }

    @Override
    public void close() {
        renderer.shutdownNow();
    }
}
