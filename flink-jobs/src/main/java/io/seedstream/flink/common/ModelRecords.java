package io.seedstream.flink.common;

import io.seedstream.records.ModelSnapshotRecord;
import io.seedstream.records.RecordCodec;
import io.seedstream.segmentation.config.SeedStreamConfig;
import io.seedstream.segmentation.data.ClassList;
import io.seedstream.segmentation.snapshot.InitialModels;
import io.seedstream.segmentation.snapshot.ModelSnapshot;
import java.nio.ByteBuffer;
import java.util.Arrays;

/** Model snapshots as records of the models topic. */
public final class ModelRecords {

    private ModelRecords() {}

    /**
     * @param evalMiou the held-out score, or null when there was nothing to score on
     * @param newSampleTimestampsMs entry times of the images this version is the first to have trained on
     */
    public static ModelSnapshotRecord of(
            ModelSnapshot snapshot,
            long trainingStep,
            Double evalMiou,
            long timestampMs,
            long[] newSampleTimestampsMs) {
        return ModelSnapshotRecord.newBuilder()
                .setName(snapshot.name())
                .setVersion(snapshot.version())
                .setArchitecture(snapshot.architecture().toString())
                .setClasses(snapshot.classes())
                .setParameters(ByteBuffer.wrap(snapshot.toBytes()))
                .setSha256(snapshot.sha256())
                .setTrainingStep(trainingStep)
                .setEvalMiou(evalMiou)
                .setTimestampMs(timestampMs)
                .setNewSampleTimestampsMs(
                        Arrays.stream(newSampleTimestampsMs).boxed().toList())
                .build();
    }

    /** The encoded record of a freshly initialised FickleNet classifier ({@code seed} decides its weights). */
    public static byte[] initialClassifier(SeedStreamConfig config, ClassList classes, long version, long seed) {
        return encoded(InitialModels.classifier(config, classes, version, seed));
    }

    /** The encoded record of a freshly initialised segmenter ({@code seed} decides its weights). */
    public static byte[] initialSegmenter(SeedStreamConfig config, ClassList classes, long version, long seed) {
        return encoded(InitialModels.segmenter(config, classes, version, seed));
    }

    /**
     * The encoded record of a freshly initialised affinity head for the classifier of {@code config}
     * ({@code seed} decides its weights): untrained, but it walks maps at the full cost.
     */
    public static byte[] initialAffinity(SeedStreamConfig config, ClassList classes, long version, long seed) {
        return encoded(InitialModels.affinity(config, classes, version, seed));
    }

    private static byte[] encoded(ModelSnapshot snapshot) {
        return RecordCodec.MODEL_SNAPSHOT.encode(of(snapshot, 0, null, 0, new long[0]));
    }
}
