package io.seedstream.flink.localization;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.seedstream.flink.common.EncodedRecord;
import io.seedstream.records.RecordCodec;
import io.seedstream.records.SeedRecord;
import io.seedstream.segmentation.config.SeedStreamConfig;
import io.seedstream.segmentation.data.ClassList;
import io.seedstream.segmentation.data.LabeledImage;
import io.seedstream.segmentation.memory.ClassMemory;
import io.seedstream.segmentation.memory.MemoryContext;
import io.seedstream.segmentation.metrics.SegmentationMetrics;
import io.seedstream.segmentation.nn.Autograd;
import io.seedstream.segmentation.seeds.ConfidentSeeds;
import io.seedstream.segmentation.seeds.LabelCrf;
import io.seedstream.segmentation.seeds.SeededRegionGrowing;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.streaming.api.functions.co.BroadcastProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Seeds for each localized image: its class maps mixed with the class memory's dataset-level
 * context (memory updates arrive as a broadcast stream and are kept in broadcast state), then
 * confident seeds with the CRF ({@link ConfidentSeeds}). Emits one seed record per image: those
 * seeds, and as its pseudo-label the seeds grown DSRG's way on the CRF-refined probabilities of the
 * segmenter (seeded region growing), or not grown while there is no segmenter yet.
 */
public final class SeedFunction extends BroadcastProcessFunction<LocalizedImage, MemoryUpdate, EncodedRecord> {

    /** The newest memory state per class id. */
    public static final MapStateDescriptor<Integer, ClassMemory.State> MEMORY =
            new MapStateDescriptor<>("class-memory", Types.INT, TypeInformation.of(ClassMemory.State.class));

    private final SeedStreamConfig config;
    private final ClassList classes;
    private transient ConfidentSeeds seedRule;
    private transient SeededRegionGrowing growing;
    private transient NDManager manager;
    private transient Counter seeded;
    private transient double lastCoverage;
    private transient double lastMiou;

    public SeedFunction(SeedStreamConfig config, ClassList classes) {
        this.config = config;
        this.classes = classes;
    }

    @Override
    public void open(OpenContext context) {
        seedRule = new ConfidentSeeds(config.seeds());
        growing = new SeededRegionGrowing(
                config.dsrg().foregroundGrowThreshold(), config.dsrg().backgroundGrowThreshold());
        Autograd.disableOnThisThread();
        manager = NDManager.newBaseManager();
        MetricGroup metrics = getRuntimeContext().getMetricGroup();
        seeded = metrics.counter("imagesSeeded");
        metrics.gauge("seedCoverage", () -> lastCoverage);
        metrics.gauge("pseudoLabelMiou", () -> lastMiou);
    }

    @Override
    public void processBroadcastElement(MemoryUpdate update, Context context, Collector<EncodedRecord> out)
            throws Exception {
        ClassMemory.State current = context.getBroadcastState(MEMORY).get(update.classId());
        if (current == null || update.state().updates() > current.updates()) {
            context.getBroadcastState(MEMORY).put(update.classId(), update.state());
        }
    }

    @Override
    public void processElement(LocalizedImage localized, ReadOnlyContext context, Collector<EncodedRecord> out)
            throws Exception {
        Map<Integer, ClassMemory.State> memory = new HashMap<>();
        long memoryUpdates = 0;
        for (Map.Entry<Integer, ClassMemory.State> e :
                context.getBroadcastState(MEMORY).immutableEntries()) {
            memory.put(e.getKey(), e.getValue());
            memoryUpdates += e.getValue().updates();
        }
        LabeledImage image = localized.image();
        int[] ids = image.labels();
        int background = classes.background();
        float[] maps = localized.maps();
        if (ids.length > 0
                && config.memory().contextWeight() > 0) { // with no context the maps go on as localized (and walked)
            try (NDManager scope = manager.newSubManager()) {
                NDArray features = scope.create(
                        localized.features(),
                        new Shape(1, localized.featureChannels(), localized.featureHeight(), localized.featureWidth()));
                NDArray imageMaps = scope.create(maps, new Shape(1, ids.length, image.height(), image.width()));
                maps = MemoryContext.refineWithMemory(features, imageMaps, ids, background, memory, config.memory())
                        .toFloatArray();
            }
        }
        LabelCrf.ImageCrf crf =
                seedRule.crf(image.rgb(), image.width(), image.height()); // the seeds and the growing share its kernels
        int[] seeds = seedRule.seeds(maps, ids, background, crf);
        int[] pseudoLabel = localized.segmenterProbabilities() == null
                ? seeds
                : growing.growRefined(
                        seeds,
                        localized.segmenterProbabilities(),
                        SeededRegionGrowing.allowedClasses(ids, background),
                        background,
                        crf);
        long labeled =
                Arrays.stream(seeds).filter(s -> s != ConfidentSeeds.UNSEEDED).count();
        lastCoverage = (double) labeled / pseudoLabel.length;
        Double miou = image.hasMask() ? miou(pseudoLabel, image.mask()) : null;
        if (miou != null) {
            lastMiou = miou;
        }
        SeedRecord record = SeedRecord.newBuilder()
                .setImageId(image.id())
                .setWidth(localized.width())
                .setHeight(localized.height())
                .setSeeds(ByteBuffer.wrap(atOwnSize(asBytes(seeds), image, localized)))
                .setPseudoLabel(ByteBuffer.wrap(atOwnSize(asBytes(pseudoLabel), image, localized)))
                .setClassifierVersion(localized.classifierVersion())
                .setSegmenterVersion(localized.segmenterVersion())
                .setSeedCoverage((float) lastCoverage)
                .setPseudoLabelMiou(miou)
                .setTimestampMs(System.currentTimeMillis())
                .setMemoryUpdates(memoryUpdates)
                .build();
        seeded.inc();
        out.collect(new EncodedRecord(image.id(), RecordCodec.SEED.encode(record)));
    }

    private Double miou(int[] labels, byte[] mask) {
        SegmentationMetrics metrics = new SegmentationMetrics(classes.size(), classes.background());
        metrics.add(labels, mask); // UNSEEDED is SegmentationMetrics.NO_PREDICTION: a miss
        return metrics.meanIou();
    }

    /** Labels at the working resolution scaled to the image's own size, pixel for pixel with the image. */
    private static byte[] atOwnSize(byte[] labels, LabeledImage working, LocalizedImage localized) {
        return working.width() == localized.width() && working.height() == localized.height()
                ? labels
                : LabeledImage.resizedLabels(
                        labels, working.width(), working.height(), localized.width(), localized.height());
    }

    /** Class ids as unsigned bytes, {@link io.seedstream.segmentation.data.ClassList#IGNORE} for unseeded. */
    private static byte[] asBytes(int[] labels) {
        byte[] bytes = new byte[labels.length];
        for (int u = 0; u < labels.length; u++) {
            bytes[u] = (byte) (labels[u] == ConfidentSeeds.UNSEEDED ? ClassList.IGNORE : labels[u]);
        }
        return bytes;
    }

    @Override
    public void close() {
        if (manager != null) {
            manager.close();
        }
    }
}
