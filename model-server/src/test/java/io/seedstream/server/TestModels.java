package io.seedstream.server;

import io.seedstream.records.Bytes;
import io.seedstream.records.ModelSnapshotRecord;
import io.seedstream.records.RecordCodec;
import io.seedstream.segmentation.config.SeedStreamConfig;
import io.seedstream.segmentation.data.ClassList;
import io.seedstream.segmentation.data.SyntheticDataset;
import io.seedstream.segmentation.snapshot.InitialModels;
import io.seedstream.segmentation.snapshot.ModelSnapshot;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** Real, freshly initialised model snapshots as records of the models topic, and damaged copies of them. */
final class TestModels {

    static final SeedStreamConfig CONFIG = SeedStreamConfig.defaults();
    static final SyntheticDataset DATA = new SyntheticDataset(CONFIG.synthetic());
    static final ClassList CLASSES = DATA.classes();

    private TestModels() {}

    static ModelSnapshotRecord segmenter(long version) {
        return record(InitialModels.segmenter(CONFIG, CLASSES, version, 100 + version));
    }

    static ModelSnapshotRecord classifier(long version) {
        return record(InitialModels.classifier(CONFIG, CLASSES, version, 200 + version));
    }

    static ModelSnapshotRecord affinity(long version) {
        return record(InitialModels.affinity(CONFIG, CLASSES, version, 300 + version));
    }

    /** The snapshot as the trainer publishes it, before it has been scored. */
    private static ModelSnapshotRecord record(ModelSnapshot snapshot) {
        return ModelSnapshotRecord.newBuilder()
                .setName(snapshot.name())
                .setVersion(snapshot.version())
                .setArchitecture(snapshot.architecture().toString())
                .setClasses(snapshot.classes())
                .setParameters(ByteBuffer.wrap(snapshot.toBytes()))
                .setSha256(snapshot.sha256())
                .setTrainingStep(0)
                .setEvalMiou(null)
                .setTimestampMs(0)
                .setNewSampleTimestampsMs(List.of())
                .build();
    }

    /** The same model with evaluation metadata, as the trainer publishes it. */
    static ModelSnapshotRecord scored(ModelSnapshotRecord record, double evalMiou, long step, long publishedMs) {
        return ModelSnapshotRecord.newBuilder(record)
                .setEvalMiou(evalMiou)
                .setTrainingStep(step)
                .setTimestampMs(publishedMs)
                .build();
    }

    /** One parameter byte flipped: the checksum no longer matches. */
    static ModelSnapshotRecord corrupted(ModelSnapshotRecord record) {
        byte[] snapshot = Bytes.toArray(record.getParameters());
        snapshot[snapshot.length - 3] ^= 0x40;
        return ModelSnapshotRecord.newBuilder(record)
                .setParameters(ByteBuffer.wrap(snapshot))
                .build();
    }

    /** The header names a network kind no server knows (same length, so the header stays well-formed). */
    static ModelSnapshotRecord unknownArchitecture(ModelSnapshotRecord record) {
        String snapshot = new String(Bytes.toArray(record.getParameters()), StandardCharsets.ISO_8859_1);
        String renamed = snapshot.replace("\"kind\":\"segmenter\"", "\"kind\":\"vitformer\"");
        if (renamed.equals(snapshot)) {
            throw new IllegalStateException("the snapshot header has no segmenter kind");
        }
        return ModelSnapshotRecord.newBuilder(record)
                .setParameters(ByteBuffer.wrap(renamed.getBytes(StandardCharsets.ISO_8859_1)))
                .build();
    }

    static byte[] encoded(ModelSnapshotRecord record) {
        return RecordCodec.MODEL_SNAPSHOT.encode(record);
    }
}
