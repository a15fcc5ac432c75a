package io.seedstream.server;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.seedstream.segmentation.affinity.AffinityWalk;
import io.seedstream.segmentation.config.SeedStreamConfig;
import io.seedstream.segmentation.data.ImageCodec;
import io.seedstream.segmentation.data.LabeledImage;
import io.seedstream.segmentation.data.WorkingSize;
import io.seedstream.segmentation.localization.ImageClassMaps;
import io.seedstream.segmentation.nn.AffinityHead;
import io.seedstream.segmentation.nn.Autograd;
import io.seedstream.segmentation.nn.Classifier;
import io.seedstream.segmentation.nn.ModelName;
import io.seedstream.segmentation.nn.Ops;
import io.seedstream.segmentation.nn.SegmentationMasks;
import io.seedstream.segmentation.nn.Segmenter;
import io.seedstream.segmentation.train.Batches;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the served models on one inference thread. Segmentation requests are batched dynamically:
 * the thread takes the oldest request and adds whatever else arrives until {@code
 * server.maxBatchSize} images or until that request has waited {@code server.maxBatchWaitMs} (a busy
 * thread therefore batches without waiting), then runs one forward pass for each working size among
 * them ({@code trainer.shortSide}, see {@link WorkingSize}). Localization maps run one at a time
 * between batches. Callers get futures.
 */
public final class Inference implements AutoCloseable {

    /** The queue is full: the caller should back off (503). */
    public static final class OverloadedException extends RuntimeException {
        OverloadedException(int capacity) {
            super("the server is busy: " + capacity + " requests are already waiting; retry shortly");
        }
    }

    /** No model of the kind needed is in service yet (503). */
    public static final class NotReadyException extends RuntimeException {
        NotReadyException(String model) {
            super("no " + model + " is in service yet: the server is waiting for the first one on the models topic");
        }
    }

    /** A class mask at the image's size, from the segmenter version that computed it. */
    public record Segmentation(
            long modelVersion, List<String> classes, int width, int height, byte[] mask, int batchSize) {}

    /**
     * A class's localization map, the localization job's: {@code map} at the working size (the
     * multi-scale, flipped map, for FickleNet the per-pixel maximum over the passes of each view,
     * divided by its maximum; walked with the affinity head of version {@code
     * affinityVersion} when the job walks and one is in service, else {@code affinityVersion} is -1),
     * {@code upsampled} at the image's size.
     */
    public record Localization(
            long modelVersion,
            long affinityVersion,
            String className,
            int passes,
            int mapWidth,
            int mapHeight,
            float[] map,
            int width,
            int height,
            float[] upsampled) {
        public boolean walked() {
            return affinityVersion >= 0;
        }
    }

    /** Several classes' maps at the image's size, each scaled to a maximum of 1, combined by the per-pixel maximum. */
    public record Heat(long classifierVersion, int width, int height, float[] map) {}

    private sealed interface Task permits SegmentTask, LocalizeTask {
        long enqueuedNanos();

        CompletableFuture<?> result();
    }

    private record SegmentTask(ImageCodec.Rgb image, CompletableFuture<Segmentation> result, long enqueuedNanos)
            implements Task {}

    private record LocalizeTask(
            ImageCodec.Rgb image,
            String className,
            int passes,
            CompletableFuture<Localization> result,
            long enqueuedNanos)
            implements Task {}

    private static final Logger LOG = LoggerFactory.getLogger(Inference.class);

    private final SeedStreamConfig config;
    private final ServedModels models;
    private final ServerMetrics metrics;
    private final Device device;
    private final AffinityWalk walk;
    private final BlockingQueue<Task> queue;
    private final Thread worker;
    private volatile boolean running = true;

    public Inference(SeedStreamConfig config, ServedModels models, ServerMetrics metrics, Device device) {
        this.config = config;
        this.models = models;
        this.metrics = metrics;
        this.device = device;
        this.walk = new AffinityWalk(config.affinity());
        this.queue = new LinkedBlockingQueue<>(config.server().maxQueuedRequests());
        this.worker = new Thread(this::work, "seedstream-inference");
        worker.setDaemon(true);
        worker.start();
    }

    public CompletableFuture<Segmentation> segment(ImageCodec.Rgb image) {
        requireServing(ModelName.SEGMENTER.id());
        CompletableFuture<Segmentation> result = new CompletableFuture<>();
        enqueue(new SegmentTask(image, result, System.nanoTime()));
        return result;
    }

    /** @param passes 0 for the classifier's expected map (dropout off), N for FickleNet's N stochastic passes */
    public CompletableFuture<Localization> localize(ImageCodec.Rgb image, String className, int passes) {
        requireServing(ModelName.CLASSIFIER.id());
        CompletableFuture<Localization> result = new CompletableFuture<>();
        enqueue(new LocalizeTask(image, className, passes, result, System.nanoTime()));
        return result;
    }

    /** The classifier's expected maps (CAM) of the named classes, as one heat-map; all zero for no classes. */
    public CompletableFuture<Heat> heat(ImageCodec.Rgb image, List<String> classNames) {
        requireServing(ModelName.CLASSIFIER.id());
        List<CompletableFuture<Localization>> maps =
                classNames.stream().map(name -> localize(image, name, 0)).toList();
        return CompletableFuture.allOf(maps.toArray(CompletableFuture[]::new)).thenApply(done -> {
            float[] heat = new float[image.width() * image.height()];
            long version = models.servingVersion(ModelName.CLASSIFIER.id());
            for (CompletableFuture<Localization> map : maps) {
                version = map.join().modelVersion();
                Renderings.maxNormalizedInto(heat, map.join().upsampled());
            }
            return new Heat(version, image.width(), image.height(), heat);
        });
    }

    private void requireServing(String model) {
        if (models.servingVersion(model) < 0) {
            throw new NotReadyException(model);
        }
    }

    private void enqueue(Task task) {
        if (!running) {
            throw new IllegalStateException("the server is shutting down");
        }
        if (!queue.offer(task)) {
            throw new OverloadedException(config.server().maxQueuedRequests());
        }
        metrics.queued.set(queue.size());
    }

    private void work() {
        Autograd.disableOnThisThread(); // inference only; FickleNet's Grad-CAM records for itself
        try (NDManager manager = NDManager.newBaseManager(device)) {
            while (running) {
                Task first;
                try {
                    first = queue.poll(100, TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    break;
                }
                if (first == null) {
                    continue;
                }
                List<LocalizeTask> deferred = new ArrayList<>();
                List<SegmentTask> batch = new ArrayList<>();
                add(first, batch, deferred);
                if (!batch.isEmpty()) {
                    fill(
                            batch,
                            deferred,
                            first.enqueuedNanos()
                                    + TimeUnit.MILLISECONDS.toNanos(
                                            config.server().maxBatchWaitMs()));
                }
                metrics.queued.set(queue.size());
                if (!batch.isEmpty()) {
                    runSegmentation(manager, batch);
                }
                deferred.forEach(task -> runLocalization(manager, task));
            }
        }
        failWaiting();
    }

    private static void add(Task task, List<SegmentTask> batch, List<LocalizeTask> deferred) {
        if (task instanceof SegmentTask segment) {
            batch.add(segment);
        } else {
            deferred.add((LocalizeTask) task);
        }
    }

    private void fill(List<SegmentTask> batch, List<LocalizeTask> deferred, long deadlineNanos) {
        int max = config.server().maxBatchSize();
        while (batch.size() < max) {
            long left = deadlineNanos - System.nanoTime();
            Task next;
            try {
                next = left <= 0 ? queue.poll() : queue.poll(left, TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            if (next == null) {
                return;
            }
            add(next, batch, deferred);
        }
    }

    /** The batch's images of one working size share a forward pass, all of one segmenter version. */
    private void runSegmentation(NDManager manager, List<SegmentTask> batch) {
        Map<WorkingSize, List<SegmentTask>> bySize = new LinkedHashMap<>();
        for (SegmentTask task : batch) {
            ImageCodec.Rgb image = task.image();
            bySize.computeIfAbsent(
                            WorkingSize.of(
                                    image.width(),
                                    image.height(),
                                    config.trainer().shortSide()),
                            size -> new ArrayList<>())
                    .add(task);
        }
        try (ServedModels.Lease<Segmenter> lease = models.lease(ModelName.SEGMENTER.id(), Segmenter.class)
                .orElseThrow(() -> new NotReadyException(ModelName.SEGMENTER.id()))) {
            bySize.values().forEach(sameSize -> segment(manager, lease, sameSize));
        } catch (RuntimeException e) {
            LOG.error("segmentation of a batch of {} failed", batch.size(), e);
            batch.forEach(task -> task.result().completeExceptionally(e));
        }
    }

    private void segment(NDManager manager, ServedModels.Lease<Segmenter> lease, List<SegmentTask> batch) {
        metrics.batchSize.observe(batch.size());
        try (NDManager scope = manager.newSubManager()) {
            List<LabeledImage> inputs =
                    batch.stream().map(task -> atWorkingSize(task.image())).toList();
            NDArray logits = lease.network().logits(Batches.images(scope, inputs), false);
            for (int b = 0; b < batch.size(); b++) {
                ImageCodec.Rgb image = batch.get(b).image();
                byte[] mask = SegmentationMasks.mask(logits.get(b), image.width(), image.height());
                batch.get(b)
                        .result()
                        .complete(new Segmentation(
                                lease.version(), lease.classes(), image.width(), image.height(), mask, batch.size()));
            }
        } catch (RuntimeException e) {
            LOG.error("segmentation of a batch of {} failed", batch.size(), e);
            batch.forEach(task -> task.result().completeExceptionally(e));
        }
    }

    private void runLocalization(NDManager manager, LocalizeTask task) {
        try (ServedModels.Lease<Classifier> lease = models.lease(ModelName.CLASSIFIER.id(), Classifier.class)
                        .orElseThrow(() -> new NotReadyException(ModelName.CLASSIFIER.id()));
                NDManager scope = manager.newSubManager()) {
            Classifier classifier = lease.network();
            int classId = lease.classes().indexOf(task.className());
            // The classifier has outputs for the foreground classes only: the background, if any, comes first.
            int index = classId
                    - (lease.classes().size() - classifier.architecture().numClasses());
            if (classId < 0 || index < 0) {
                throw new IllegalArgumentException("no localization map for class '" + task.className()
                        + "'; the classifier's classes are "
                        + lease.classes()
                                .subList(
                                        lease.classes().size()
                                                - classifier.architecture().numClasses(),
                                        lease.classes().size()));
            }
            // The localization job's maps (multi-scale and flipped, FickleNet's passes per view if asked), at the
            // working size.
            LabeledImage input = atWorkingSize(task.image());
            int h = input.height();
            int w = input.width();
            NDArray pixels = Batches.images(scope, List.of(input));
            NDArray map = ImageClassMaps.configured(config, task.passes()).maps(classifier, pixels, new int[] {index});
            long affinityVersion = -1;
            if (config.stream().affinityWalk()) { // walked as the localization job walks them
                Optional<ServedModels.Lease<AffinityHead>> affinity =
                        models.lease(ModelName.AFFINITY.id(), AffinityHead.class);
                if (affinity.isPresent()) {
                    try (ServedModels.Lease<AffinityHead> head = affinity.get()) {
                        map = walk.walked(head.network(), classifier, pixels, map);
                        affinityVersion = head.version();
                    }
                }
            }
            ImageCodec.Rgb image = task.image();
            float[] upsampled = Ops.resize(map, image.height(), image.width()).toFloatArray();
            task.result()
                    .complete(new Localization(
                            lease.version(),
                            affinityVersion,
                            task.className(),
                            task.passes(),
                            w,
                            h,
                            map.toFloatArray(),
                            image.width(),
                            image.height(),
                            upsampled));
        } catch (RuntimeException e) {
            task.result().completeExceptionally(e);
        }
    }

    /** The image at its working size ({@code trainer.shortSide}), as the jobs see it. */
    private LabeledImage atWorkingSize(ImageCodec.Rgb image) {
        return SegmentationMasks.input(
                image.width(),
                image.height(),
                image.pixels(),
                WorkingSize.of(image.width(), image.height(), config.trainer().shortSide()));
    }

    private void failWaiting() {
        List<Task> left = new ArrayList<>();
        queue.drainTo(left);
        IllegalStateException closing = new IllegalStateException("the server is shutting down");
        left.forEach(task -> task.result().completeExceptionally(closing));
    }

    /** Stops after the batch in progress; requests still waiting fail with a clear error. */
    @Override
    public void close() throws InterruptedException {
        running = false;
        worker.join(TimeUnit.SECONDS.toMillis(30));
    }
}
