package io.seedstream.server;

import io.seedstream.records.Bytes;
import io.seedstream.records.LabeledImageRecord;
import io.seedstream.segmentation.data.ImageCodec;
import io.seedstream.segmentation.metrics.SegmentationMetrics;
import io.seedstream.segmentation.nn.ModelName;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Scores every segmenter version the server takes into service on the held-out images (a topic
 * nothing trains on, which the demo fills first): the mean of the per-image mIoU and its standard
 * error, so a curve of versions shows learning with its spread rather than the noise of a handful
 * of images. The first few images are kept as tiles, re-predicted by each new version. Scoring runs
 * on a thread of its own, through the same batching queue as API requests, a batch at a time.
 */
public final class HeldOutScores implements AutoCloseable {

    /** One version's score on the held-out images. */
    public record Score(
            long version, long trainingStep, long publishedMs, int images, double meanIou, double standardError) {}

    /** A held-out image with its truth and the newest version's prediction (PNG pictures). */
    public record Tile(String id, long version, Double miou, byte[] image, byte[] truth, byte[] prediction) {

        public Optional<byte[]> picture(String name) {
            return Optional.ofNullable(
                    switch (name) {
                        case "image" -> image;
                        case "truth" -> truth;
                        case "prediction" -> prediction;
                        default -> null;
                    });
        }
    }

    private record HeldOutImage(String id, ImageCodec.Rgb rgb, byte[] truth) {}

    /** Enough for a standard error of a few hundredths; more only costs scoring time. */
    static final int MAX_IMAGES = 500;

    static final int TILES = 8;
    private static final Logger LOG = LoggerFactory.getLogger(HeldOutScores.class);

    private final Inference inference;
    private final ServedModels models;
    private final int batchSize;
    private final Map<String, HeldOutImage> images = new LinkedHashMap<>();
    private final List<Score> scores = new ArrayList<>();
    private final Map<String, Tile> tiles = new LinkedHashMap<>();
    private long scoredVersion = -1;
    private int scoredImages;
    private final ScheduledExecutorService scorer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread thread = new Thread(r, "seedstream-held-out-scores");
        thread.setDaemon(true);
        return thread;
    });

    public HeldOutScores(Inference inference, ServedModels models, int batchSize) {
        this.inference = inference;
        this.models = models;
        this.batchSize = batchSize;
        scorer.scheduleWithFixedDelay(this::scoreNewVersion, 1, 1, TimeUnit.SECONDS);
    }

    /** Keeps a held-out image (one with a mask; others, and any beyond {@link #MAX_IMAGES}, are left out). */
    public void imageArrived(LabeledImageRecord record) {
        if (record.getMask() == null) {
            return;
        }
        try {
            ImageCodec.Rgb rgb = ImageCodec.decodeRgb(Bytes.toArray(record.getImage()));
            byte[] truth = ImageCodec.decodeMask(Bytes.toArray(record.getMask()), rgb.width(), rgb.height());
            synchronized (this) {
                if (images.size() < MAX_IMAGES) {
                    images.putIfAbsent(record.getId(), new HeldOutImage(record.getId(), rgb, truth));
                }
            }
        } catch (IOException e) {
            LOG.debug("held-out image {} is unreadable: {}", record.getId(), e.getMessage());
        }
    }

    public synchronized int images() {
        return images.size();
    }

    /** Oldest version first. */
    public synchronized List<Score> scores() {
        return new ArrayList<>(scores);
    }

    public synchronized List<Tile> tiles() {
        return new ArrayList<>(tiles.values());
    }

    public synchronized Optional<Tile> tile(String id) {
        return Optional.ofNullable(tiles.get(id));
    }

    /** The served segmenter, once per version (and again when more images arrived since), on every held-out image. */
    private void scoreNewVersion() {
        List<HeldOutImage> set;
        long version = models.servingVersion(ModelName.SEGMENTER.id());
        synchronized (this) {
            if (version < 0 || images.isEmpty() || (version == scoredVersion && images.size() == scoredImages)) {
                return;
            }
            set = new ArrayList<>(images.values());
        }
        try {
            List<Inference.Segmentation> predicted = new ArrayList<>();
            for (int from = 0; from < set.size(); from += batchSize) { // a batch at a time: API requests queue between
                List<CompletableFuture<Inference.Segmentation>> batch =
                        set.subList(from, Math.min(set.size(), from + batchSize)).stream()
                                .map(image -> inference.segment(image.rgb()))
                                .toList();
                batch.forEach(result -> predicted.add(result.join()));
            }
            if (predicted.stream().anyMatch(p -> p.modelVersion() != version)) {
                return; // a newer version came in while scoring: it is scored next
            }
            record(version, set, predicted);
        } catch (RuntimeException e) {
            LOG.debug(
                    "held-out scoring of segmenter v{} stopped: {}",
                    version,
                    e.getMessage()); // tried again in a second
        }
    }

    private void record(long version, List<HeldOutImage> set, List<Inference.Segmentation> predicted) {
        List<Double> mious = new ArrayList<>();
        Map<String, Tile> drawn = new LinkedHashMap<>();
        for (int i = 0; i < set.size(); i++) {
            HeldOutImage image = set.get(i);
            Double miou = miou(predicted.get(i), image.truth());
            if (miou != null) {
                mious.add(miou);
            }
            if (i < TILES) {
                drawn.put(image.id(), tile(image, predicted.get(i), miou));
            }
        }
        double mean = mious.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
        double variance = mious.size() < 2
                ? 0
                : mious.stream().mapToDouble(m -> (m - mean) * (m - mean)).sum() / (mious.size() - 1);
        ServedModels.Version published = models.history().stream()
                .filter(v -> v.name().equals(ModelName.SEGMENTER.id()) && v.version() == version)
                .findFirst()
                .orElse(null);
        Score score = new Score(
                version,
                published == null ? -1 : published.trainingStep(),
                published == null ? System.currentTimeMillis() : published.publishedMs(),
                mious.size(),
                mean,
                Math.sqrt(variance / Math.max(1, mious.size())));
        synchronized (this) {
            if (!mious.isEmpty()) { // else every truth pixel is ignored: nothing to score
                scores.removeIf(s -> s.version() == version); // rescored on more images
                scores.add(score);
            }
            tiles.putAll(drawn);
            scoredVersion = version;
            scoredImages = set.size();
        }
    }

    private static Tile tile(HeldOutImage image, Inference.Segmentation predicted, Double miou) {
        try {
            return new Tile(
                    image.id(),
                    predicted.modelVersion(),
                    miou,
                    ImageCodec.encodePng(
                            image.rgb().width(),
                            image.rgb().height(),
                            image.rgb().pixels()),
                    Renderings.maskOverlay(image.rgb(), image.truth(), predicted.classes()),
                    Renderings.maskOverlay(image.rgb(), predicted.mask(), predicted.classes()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** One image's mIoU (over the classes in its truth or its prediction); null when its truth is all ignored. */
    static Double miou(Inference.Segmentation predicted, byte[] truth) {
        int background = predicted.classes().indexOf("background");
        SegmentationMetrics metrics =
                new SegmentationMetrics(predicted.classes().size(), background);
        int[] classes = new int[predicted.mask().length];
        for (int p = 0; p < classes.length; p++) {
            classes[p] = predicted.mask()[p] & 0xFF;
        }
        metrics.add(classes, truth);
        double miou = metrics.meanIou();
        return Double.isNaN(miou) ? null : miou;
    }

    @Override
    public void close() {
        scorer.shutdownNow();
    }
}
