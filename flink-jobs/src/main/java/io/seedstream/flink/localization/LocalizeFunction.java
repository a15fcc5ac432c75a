package io.seedstream.flink.localization;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.seedstream.records.Bytes;
import io.seedstream.records.InvalidRecordException;
import io.seedstream.records.ModelSnapshotRecord;
import io.seedstream.records.RecordCodec;
import io.seedstream.segmentation.config.SeedStreamConfig;
import io.seedstream.segmentation.data.ClassList;
import io.seedstream.segmentation.data.LabeledImage;
import io.seedstream.segmentation.nn.Autograd;
import io.seedstream.segmentation.nn.Classifier;
import io.seedstream.segmentation.nn.Devices;
import io.seedstream.segmentation.snapshot.ModelSnapshot;
import io.seedstream.segmentation.train.Batches;
import java.util.Arrays;
import java.util.List;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.BroadcastState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ReadOnlyBroadcastState;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.co.KeyedBroadcastProcessFunction;
import org.apache.flink.util.Collector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Localization maps with the newest classifier, in the style of Flink ML's online models: models
 * arrive as a broadcast stream and are kept in broadcast state (so a restored job has its model
 * back); each subtask holds one live classifier, built in {@code open()} or on the first record
 * after a restore, and closed in {@code close()}. Images that arrive before any classifier wait in
 * keyed state (keyed by image id) and are localized the moment the first one arrives: nothing is
 * dropped. Maps are the classifier's class maps with dropout off (FickleNet's expectation).
 */
public final class LocalizeFunction extends KeyedBroadcastProcessFunction<String, LabeledImage, byte[], LocalizedImage> {

    /** The model name this function uses from the models topic. */
    public static final String CLASSIFIER = "classifier";

    /** Newest snapshot record per model name, as its encoded bytes. */
    public static final MapStateDescriptor<String, byte[]> MODELS =
            new MapStateDescriptor<>("models", Types.STRING, PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO);

    private static final Logger LOG = LoggerFactory.getLogger(LocalizeFunction.class);

    private final SeedStreamConfig config;
    private final ClassList classes;
    private transient ValueState<LabeledImage> pending;
    private transient NDManager manager;
    private transient Classifier classifier;
    private transient long classifierVersion;
    private transient Counter waited;
    private transient Counter rejectedModels;

    public LocalizeFunction(SeedStreamConfig config, ClassList classes) {
        this.config = config;
        this.classes = classes;
    }

    @Override
    public void open(OpenContext context) {
        Autograd.disableOnThisThread(); // inference only: no graphs
        manager = NDManager.newBaseManager(Devices.of(config.device()));
        classifierVersion = -1;
        pending = getRuntimeContext().getState(pendingImage());
        waited = getRuntimeContext().getMetricGroup().counter("imagesWaitedForModel");
        rejectedModels = getRuntimeContext().getMetricGroup().counter("rejectedModels");
        getRuntimeContext().getMetricGroup().gauge("classifierVersion", () -> classifierVersion);
    }

    @Override
    public void processElement(LabeledImage image, ReadOnlyContext context, Collector<LocalizedImage> out) throws Exception {
        if (classifier == null) { // none yet, or the subtask was restored: its model came back in broadcast state
            byte[] model = context.getBroadcastState(MODELS).get(CLASSIFIER);
            if (model == null) {
                waited.inc();
                pending.update(image);
                return;
            }
            load(RecordCodec.MODEL_SNAPSHOT.decode(model));
        }
        out.collect(localize(image));
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
        if (!CLASSIFIER.equals(record.getName())) {
            return;
        }
        BroadcastState<String, byte[]> models = context.getBroadcastState(MODELS);
        byte[] current = models.get(CLASSIFIER);
        if (classifier == null && current != null) {
            load(RecordCodec.MODEL_SNAPSHOT.decode(current)); // restored: the live model is the checkpointed one
        }
        if (classifier != null && classifierVersion >= record.getVersion()) {
            return; // an older or repeated version (the models topic is replayed on restart)
        }
        try {
            load(record);
        } catch (ModelSnapshot.InvalidSnapshotException e) {
            rejectedModels.inc();
            LOG.warn("ignored classifier v{}: {}", record.getVersion(), e.getMessage());
            return;
        }
        models.put(CLASSIFIER, message);
        context.applyToKeyedState(pendingImage(), (key, state) -> {
            LabeledImage image = state.value();
            if (image != null) {
                out.collect(localize(image));
                state.clear();
            }
        });
    }

    /** Per image id, the image waiting for the first classifier. */
    private static ValueStateDescriptor<LabeledImage> pendingImage() {
        return new ValueStateDescriptor<>("pending", TypeInformation.of(LabeledImage.class));
    }

    /** Makes the classifier of this snapshot record the live one (the previous one is closed). */
    private void load(ModelSnapshotRecord record) {
        ModelSnapshot snapshot = ModelSnapshot.fromBytes(Bytes.toArray(record.getParameters()));
        if (!snapshot.classes().equals(classes.names())) {
            throw new ModelSnapshot.InvalidSnapshotException("the snapshot's classes " + snapshot.classes()
                    + " are not this job's " + classes.names());
        }
        Classifier next = new Classifier(snapshot.architecture(), manager, 0);
        snapshot.loadInto(next);
        if (classifier != null) {
            classifier.close();
        }
        classifier = next;
        classifierVersion = record.getVersion();
    }

    private LocalizedImage localize(LabeledImage image) {
        try (NDManager scope = manager.newSubManager()) {
            NDArray features = classifier.features(Batches.images(scope, List.of(image)), false);
            float[] maps = classifier.localizationMaps(features,
                    Arrays.stream(image.labels()).map(classes::classifierIndex).toArray()).toFloatArray();
            long[] shape = features.getShape().getShape();
            return new LocalizedImage(image, classifierVersion, (int) shape[1], (int) shape[2], (int) shape[3],
                    features.toFloatArray(), maps);
        }
    }

    @Override
    public void close() {
        if (classifier != null) {
            classifier.close();
        }
        if (manager != null) {
            manager.close();
        }
    }
}
