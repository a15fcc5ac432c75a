package io.seedstream.flink.localization;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.seedstream.flink.common.LiveModels;
import io.seedstream.flink.common.TaskDevice;
import io.seedstream.flink.common.WaitingImages;
import io.seedstream.segmentation.affinity.AffinityWalk;
import io.seedstream.segmentation.config.SeedStreamConfig;
import io.seedstream.segmentation.data.ClassList;
import io.seedstream.segmentation.data.LabeledImage;
import io.seedstream.segmentation.data.WorkingSize;
import io.seedstream.segmentation.localization.ImageClassMaps;
import io.seedstream.segmentation.nn.Autograd;
import io.seedstream.segmentation.nn.Classifier;
import io.seedstream.segmentation.nn.Ops;
import io.seedstream.segmentation.nn.Segmenter;
import io.seedstream.segmentation.train.Batches;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.MeterView;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.metrics.DescriptiveStatisticsHistogram;
import org.apache.flink.streaming.api.functions.co.KeyedBroadcastProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Class maps (multi-scale and flipped, see {@link ImageClassMaps}) with the newest classifier, and
 * the newest segmenter's class probabilities for region growing, in the style of Flink ML's online models: models arrive as a broadcast stream and
 * are kept in broadcast state (so a restored job has its models back); each subtask holds one live
 * classifier and one live segmenter, built when they arrive (or on the first record after a
 * restore) and closed in {@code close()}. Images come in micro-batches ({@link MicroBatcher}) and are
 * worked on at the working resolution ({@code trainer.shortSide}, see {@link WorkingSize}); the
 * images of one working size in a batch share one forward pass of each model. Batches that arrive before
 * any classifier wait in keyed state (keyed by their first image's id, see {@link WaitingImages}) and
 * are localized one batch at a time once the first one arrives.
 * Before the first segmenter, images go on without probabilities (seeds are then not grown). With
 * {@code stream.affinityWalk}, the maps are walked with the newest affinity head ({@link
 * AffinityWalk}); before the first, they go on unwalked (counted in {@code imagesNotWalked}). Maps
 * are the classifier's class maps with dropout off (FickleNet's expectation), or with {@code
 * stream.stochasticMaps} per view the per-class maximum of {@code ficklenet.passes} stochastic Grad-CAM maps.
 */
public final class LocalizeFunction
        extends KeyedBroadcastProcessFunction<String, List<LabeledImage>, byte[], LocalizedImage> {

    public static final MapStateDescriptor<String, byte[]> MODELS = LiveModels.STATE;

    private final SeedStreamConfig config;
    private final ClassList classes;
    private final int workingSide;
    private transient WaitingImages waiting;
    private transient NDManager manager;
    private transient LiveModels models;
    private transient LiveModels.Live<Classifier> classifier;
    private transient LiveModels.Live<Segmenter> segmenter;
    private transient Histogram latency;
    private transient Counter passes;
    private transient Counter walked;
    private transient Counter notWalked;
    private transient AffinityWalk walk;
    /** Multi-scale, flipped class maps; FickleNet's N stochastic passes per view with stream.stochasticMaps. */
    private transient ImageClassMaps classMaps;

    public LocalizeFunction(SeedStreamConfig config, ClassList classes) {
        this.config = config;
        this.classes = classes;
        this.workingSide = config.trainer().shortSide();
    }

    @Override
    public void open(OpenContext context) {
        Autograd.disableOnThisThread(); // inference only: no graphs
        manager = NDManager.newBaseManager(TaskDevice.of(getRuntimeContext(), config.device()));
        MetricGroup metrics = getRuntimeContext().getMetricGroup();
        models = new LiveModels(manager, classes, metrics);
        classifier = models.classifier;
        segmenter = models.segmenter;
        waiting = new WaitingImages(getRuntimeContext(), "pendingImages");
        latency = metrics.histogram("localizationLatencyMs", new DescriptiveStatisticsHistogram(1000));
        passes = metrics.counter("stochasticPasses");
        walked = metrics.counter("imagesWalked");
        notWalked = metrics.counter("imagesNotWalked");
        walk = new AffinityWalk(config.affinity());
        metrics.meter("stochasticPassesPerSecond", new MeterView(passes));
        classMaps = ImageClassMaps.configured(config, config.localizationPasses());
    }

    @Override
    public void processElement(List<LabeledImage> images, ReadOnlyContext context, Collector<LocalizedImage> out)
            throws Exception {
        if (!models.restoreFrom(context.getBroadcastState(MODELS))) {
            waiting.hold(images, context.timerService());
            return;
        }
        localize(images, out);
    }

    @Override
    public void processBroadcastElement(byte[] message, Context context, Collector<LocalizedImage> out)
            throws Exception {
        models.offer(message, context.getBroadcastState(MODELS));
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext context, Collector<LocalizedImage> out) throws Exception {
        waiting.onTimer(
                models.restoreFrom(context.getBroadcastState(MODELS)),
                context.timerService(),
                images -> localize(images, out));
    }

    /** At the working resolution ({@code trainer.shortSide}): the images of one working size go through together. */
    private void localize(List<LabeledImage> images, Collector<LocalizedImage> out) {
        Map<WorkingSize, List<LabeledImage>> bySize = images.stream()
                .collect(Collectors.groupingBy(
                        image -> WorkingSize.of(image.width(), image.height(), workingSide),
                        LinkedHashMap::new,
                        Collectors.toList()));
        bySize.values().forEach(sameSize -> localizeSameSize(sameSize, out));
    }

    private void localizeSameSize(List<LabeledImage> images, Collector<LocalizedImage> out) {
        long started = System.nanoTime();
        List<LabeledImage> working = images.stream()
                .map(image -> WorkingSize.scale(image, workingSide))
                .toList();
        try (NDManager scope = manager.newSubManager()) {
            NDArray pixels = Batches.images(scope, working);
            NDArray features = classifier.model().features(pixels, false);
            long[] shape = features.getShape().getShape();
            float[][] probabilities = segmenter.isLive() ? segmenterProbabilities(pixels) : null;
            for (int b = 0; b < images.size(); b++) {
                LabeledImage image = working.get(b);
                NDArray own = features.get(b).expandDims(0);
                int[] classIndex = Arrays.stream(image.labels())
                        .map(classes::classifierIndex)
                        .toArray();
                float[] maps = classIndex.length == 0
                        ? new float[0]
                        : maps(pixels.get(b).expandDims(0), classIndex);
                passes.inc((long) config.localizationPasses() * views()); // 0 with dropout off
                out.collect(new LocalizedImage(
                        image,
                        images.get(b).width(),
                        images.get(b).height(),
                        classifier.version(),
                        segmenter.version(),
                        (int) shape[1],
                        (int) shape[2],
                        (int) shape[3],
                        own.toFloatArray(),
                        maps,
                        probabilities == null ? null : probabilities[b]));
                // From the start of its batch's forward passes to its own result (the wait to fill the batch is not
                // counted).
                latency.update((System.nanoTime() - started) / 1_000_000);
            }
        }
    }

    /** One image's class maps, walked when the job walks and an affinity head is live. */
    private float[] maps(NDArray image, int[] classIndex) {
        NDArray maps = classMaps.maps(classifier.model(), image, classIndex);
        if (config.stream().affinityWalk()) {
            if (models.affinity.isLive()) {
                walked.inc();
                maps = walk.walked(models.affinity.model(), classifier.model(), image, maps);
            } else {
                notWalked.inc();
            }
        }
        return maps.toFloatArray();
    }

    /** The views each image's maps come from: its scales, each flipped too when flipping is on. */
    private int views() {
        return config.cam().scales().size() * (config.cam().flip() ? 2 : 1);
    }

    /** Per image of a batch at one working size, its (classes x H x W) probabilities at that size. */
    private float[][] segmenterProbabilities(NDArray pixels) {
        long[] shape = pixels.getShape().getShape();
        NDArray probabilities = Ops.resize(segmenter.model().logits(pixels, false), (int) shape[2], (int) shape[3])
                .softmax(1);
        float[][] perImage = new float[(int) shape[0]][];
        for (int b = 0; b < perImage.length; b++) {
            perImage[b] = probabilities.get(b).toFloatArray();
        }
        return perImage;
    }

    @Override
    public void close() {
        if (models != null) {
            models.close();
        }
        if (manager != null) {
            manager.close();
        }
    }
}
