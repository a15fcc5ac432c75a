package io.seedstream.flink.localization;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.seedstream.flink.TaskDevice;
import io.seedstream.records.Bytes;
import io.seedstream.records.InvalidRecordException;
import io.seedstream.records.ModelSnapshotRecord;
import io.seedstream.records.RecordCodec;
import io.seedstream.segmentation.config.SeedStreamConfig;
import io.seedstream.segmentation.data.ClassList;
import io.seedstream.segmentation.data.LabeledImage;
import io.seedstream.segmentation.localization.StochasticLocalizer;
import io.seedstream.segmentation.nn.Autograd;
import io.seedstream.segmentation.nn.Classifier;
import io.seedstream.segmentation.nn.Network;
import io.seedstream.segmentation.nn.Ops;
import io.seedstream.segmentation.nn.Segmenter;
import io.seedstream.segmentation.train.StreamingTrainer;
import io.seedstream.segmentation.snapshot.ModelSnapshot;
import io.seedstream.segmentation.train.Batches;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.BroadcastState;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ReadOnlyBroadcastState;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.MeterView;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.metrics.DescriptiveStatisticsHistogram;
import org.apache.flink.streaming.api.functions.co.KeyedBroadcastProcessFunction;
import org.apache.flink.util.Collector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Localization maps with the newest classifier, and the newest segmenter's class probabilities for
 * region growing, in the style of Flink ML's online models: models arrive as a broadcast stream and
 * are kept in broadcast state (so a restored job has its models back); each subtask holds one live
 * classifier and one live segmenter, built when they arrive (or on the first record after a
 * restore) and closed in {@code close()}. Images come in micro-batches ({@link MicroBatcher}); the
 * images of one size in a batch share one forward pass of each model. Batches that arrive before
 * any classifier wait in keyed state (keyed by their first image's id) and are localized the moment
 * the first one arrives: nothing is dropped.
 * Before the first segmenter, images go on without probabilities (seeds are then not grown). Maps
 * are the classifier's class maps with dropout off (FickleNet's expectation), or with {@code
 * stream.localizationPasses} = N the per-class maximum of N stochastic Grad-CAM maps.
 */
public final class LocalizeFunction extends KeyedBroadcastProcessFunction<String, List<LabeledImage>, byte[], LocalizedImage> {

    /** Newest snapshot record per model name, as its encoded bytes. */
    public static final MapStateDescriptor<String, byte[]> MODELS =
            new MapStateDescriptor<>("models", Types.STRING, PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO);

    private static final Logger LOG = LoggerFactory.getLogger(LocalizeFunction.class);

    private final SeedStreamConfig config;
    private final ClassList classes;
    private transient ListState<LabeledImage> pending;
    private transient NDManager manager;
    private transient LiveModel<Classifier> classifier;
    private transient LiveModel<Segmenter> segmenter;
    private transient Counter waited;
    private transient Counter rejectedModels;
    private transient Histogram latency;
    private transient Counter passes;
    /** FickleNet's N stochastic passes, or null for its expectation (stream.localizationPasses = 0). */
    private transient StochasticLocalizer stochastic;

    public LocalizeFunction(SeedStreamConfig config, ClassList classes) {
        this.config = config;
        this.classes = classes;
    }

    @Override
    public void open(OpenContext context) {
        Autograd.disableOnThisThread(); // inference only: no graphs
        manager = NDManager.newBaseManager(TaskDevice.of(getRuntimeContext(), config.device()));
        classifier = new LiveModel<>(StreamingTrainer.CLASSIFIER, Classifier.class);
        segmenter = new LiveModel<>(StreamingTrainer.SEGMENTER, Segmenter.class);
        pending = getRuntimeContext().getListState(pendingImages());
        MetricGroup metrics = getRuntimeContext().getMetricGroup();
        waited = metrics.counter("imagesWaitedForModel");
        rejectedModels = metrics.counter("rejectedModels");
        latency = metrics.histogram("localizationLatencyMs", new DescriptiveStatisticsHistogram(1000));
        passes = metrics.counter("stochasticPasses");
        metrics.meter("stochasticPassesPerSecond", new MeterView(passes));
        int n = config.stream().localizationPasses();
        stochastic = n == 0 ? null : new StochasticLocalizer(config.with("ficklenet.passes", n).ficklenet());
        metrics.gauge("classifierVersion", () -> classifier.version);
        metrics.gauge("segmenterVersion", () -> segmenter.version);
    }

    @Override
    public void processElement(List<LabeledImage> images, ReadOnlyContext context, Collector<LocalizedImage> out) throws Exception {
        ReadOnlyBroadcastState<String, byte[]> models = context.getBroadcastState(MODELS);
        segmenter.restoreFrom(models);
        if (!classifier.restoreFrom(models)) {
            waited.inc(images.size());
            pending.addAll(images);
            return;
        }
        localize(images, out);
    }

    @Override
    public void processBroadcastElement(byte[] message, Context context, Collector<LocalizedImage> out) throws Exception {
        ModelSnapshotRecord record;
        try {
            record = RecordCodec.MODEL_SNAPSHOT.decode(message);
        } catch (InvalidRecordException e) {
            rejectedModels.inc();
            LOG.warn("ignored a message on the models topic: {}", e.getMessage());
            return;
        }
        LiveModel<?> model = classifier.name.equals(record.getName()) ? classifier
                : segmenter.name.equals(record.getName()) ? segmenter : null;
        if (model == null) {
            return;
        }
        BroadcastState<String, byte[]> models = context.getBroadcastState(MODELS);
        boolean hadClassifier = classifier.restoreFrom(models);
        model.restoreFrom(models); // restored: the live model is the checkpointed one
        if (model.isLive() && model.version >= record.getVersion()) {
            return; // an older or repeated version (the models topic is replayed on restart)
        }
        try {
            model.load(record);
        } catch (ModelSnapshot.InvalidSnapshotException e) {
            rejectedModels.inc();
            LOG.warn("ignored {} v{}: {}", record.getName(), record.getVersion(), e.getMessage());
            return;
        }
        models.put(model.name, message);
        if (!hadClassifier && model == classifier) {
            context.applyToKeyedState(pendingImages(), (key, state) -> {
                List<LabeledImage> images = new ArrayList<>();
                state.get().forEach(images::add);
                if (!images.isEmpty()) {
                    localize(images, out);
                    state.clear();
                }
            });
        }
    }

    /** Per batch (keyed by its first image's id), the images waiting for the first classifier. */
    private static ListStateDescriptor<LabeledImage> pendingImages() {
        return new ListStateDescriptor<>("pendingImages", TypeInformation.of(LabeledImage.class));
    }

    private void localize(List<LabeledImage> images, Collector<LocalizedImage> out) {
        Map<List<Integer>, List<LabeledImage>> bySize = images.stream().collect(
                Collectors.groupingBy(image -> List.of(image.width(), image.height()), LinkedHashMap::new, Collectors.toList()));
        bySize.values().forEach(sameSize -> localizeSameSize(sameSize, out));
    }

    private void localizeSameSize(List<LabeledImage> images, Collector<LocalizedImage> out) {
        long started = System.nanoTime();
        try (NDManager scope = manager.newSubManager()) {
            NDArray features = classifier.model.features(Batches.images(scope, images), false);
            long[] shape = features.getShape().getShape();
            float[][] probabilities = segmenter.isLive() ? segmenterProbabilities(scope, images) : null;
            for (int b = 0; b < images.size(); b++) {
                LabeledImage image = images.get(b);
                NDArray own = features.get(b).expandDims(0);
                int[] classIndex = Arrays.stream(image.labels()).map(classes::classifierIndex).toArray();
                float[] maps = stochastic == null
                        ? classifier.model.localizationMaps(own, classIndex).toFloatArray()
                        : stochastic.localize(classifier.model, own, classIndex, image.labels(), (int) shape[2], (int) shape[3]).max();
                passes.inc(config.stream().localizationPasses()); // 0 with dropout off
                out.collect(new LocalizedImage(image, classifier.version, segmenter.version, (int) shape[1], (int) shape[2],
                        (int) shape[3], own.toFloatArray(), maps, probabilities == null ? null : probabilities[b]));
                // From the start of its batch's forward passes to its own result (the wait to fill the batch is not counted).
                latency.update((System.nanoTime() - started) / 1_000_000);
            }
        }
    }

    /** At the size the segmenter trains on, then scaled back to the images' size: per image (classes x H x W) probabilities. */
    private float[][] segmenterProbabilities(NDManager scope, List<LabeledImage> images) {
        SeedStreamConfig.Trainer input = config.trainer();
        List<LabeledImage> resized = images.stream().map(image -> image.resized(input.imageWidth(), input.imageHeight())).toList();
        NDArray logits = segmenter.model.logits(Batches.images(scope, resized), false);
        LabeledImage first = images.get(0);
        NDArray probabilities = Ops.resize(logits, first.height(), first.width()).softmax(1);
        float[][] perImage = new float[images.size()][];
        for (int b = 0; b < images.size(); b++) {
            perImage[b] = probabilities.get(b).toFloatArray();
        }
        return perImage;
    }

    @Override
    public void close() {
        if (classifier != null) {
            classifier.close();
            segmenter.close();
        }
        if (manager != null) {
            manager.close();
        }
    }

    /** The live network of one model name and its version (-1 before the first). */
    private final class LiveModel<N extends Network> {
        final String name;
        final Class<N> type;
        N model;
        long version = -1;

        LiveModel(String name, Class<N> type) {
            this.name = name;
            this.type = type;
        }

        boolean isLive() {
            return model != null;
        }

        /** Loads the checkpointed snapshot if this subtask has none live yet; whether one is live now. */
        boolean restoreFrom(ReadOnlyBroadcastState<String, byte[]> models) throws Exception {
            if (model == null) {
                byte[] stored = models.get(name);
                if (stored != null) {
                    load(RecordCodec.MODEL_SNAPSHOT.decode(stored));
                }
            }
            return model != null;
        }

        /** Makes this snapshot record's network the live one (the previous one is closed). */
        void load(ModelSnapshotRecord record) {
            ModelSnapshot snapshot = ModelSnapshot.fromBytes(Bytes.toArray(record.getParameters()))
                    .requireServable(name, classes.names());
            N next = type.cast(snapshot.newNetwork(manager));
            close();
            model = next;
            version = record.getVersion();
        }

        void close() {
            if (model != null) {
                model.close();
            }
        }
    }
}
