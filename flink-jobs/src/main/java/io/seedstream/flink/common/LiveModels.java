package io.seedstream.flink.common;

import ai.djl.ndarray.NDManager;
import io.seedstream.records.Bytes;
import io.seedstream.records.InvalidRecordException;
import io.seedstream.records.ModelSnapshotRecord;
import io.seedstream.records.RecordCodec;
import io.seedstream.segmentation.data.ClassList;
import io.seedstream.segmentation.nn.AffinityHead;
import io.seedstream.segmentation.nn.Classifier;
import io.seedstream.segmentation.nn.ModelName;
import io.seedstream.segmentation.nn.Network;
import io.seedstream.segmentation.nn.Segmenter;
import io.seedstream.segmentation.snapshot.ModelSnapshot;
import java.util.List;
import org.apache.flink.api.common.state.BroadcastState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ReadOnlyBroadcastState;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One subtask's live classifier, segmenter and affinity head, in the style of Flink ML's online models: snapshots
 * arrive on a broadcast stream and the newest record per name is kept in broadcast state, so a
 * restored job has its models back (rebuilt on the first record after the restore). Older or
 * repeated versions (the models topic is replayed on restart) and invalid snapshots are ignored;
 * the live model stays (and is counted as refused). Opened in an operator's {@code open()}, closed
 * in its {@code close()}.
 */
public final class LiveModels implements AutoCloseable {

    /** Newest snapshot record per model name, as its encoded bytes. */
    public static final MapStateDescriptor<String, byte[]> STATE =
            new MapStateDescriptor<>("models", Types.STRING, PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO);

    private static final Logger LOG = LoggerFactory.getLogger(LiveModels.class);

    public final Live<Classifier> classifier;
    public final Live<Segmenter> segmenter;
    public final Live<AffinityHead> affinity;
    private final NDManager manager;
    private final ClassList classes;
    private final Counter refused;

    /** Registers the live versions and a count of refused snapshots in the operator's {@code metrics}. */
    public LiveModels(NDManager manager, ClassList classes, MetricGroup metrics) {
        this.manager = manager;
        this.classes = classes;
        this.classifier = new Live<>(ModelName.CLASSIFIER.id(), Classifier.class);
        this.segmenter = new Live<>(ModelName.SEGMENTER.id(), Segmenter.class);
        this.affinity = new Live<>(ModelName.AFFINITY.id(), AffinityHead.class);
        this.refused = metrics.counter("rejectedModels");
        metrics.gauge("classifierVersion", classifier::version);
        metrics.gauge("segmenterVersion", segmenter::version);
        metrics.gauge("affinityVersion", affinity::version);
    }

    /** Rebuilds checkpointed models this subtask has not built yet; whether a classifier is live. */
    public boolean restoreFrom(ReadOnlyBroadcastState<String, byte[]> state) throws Exception {
        segmenter.restoreFrom(state);
        affinity.restoreFrom(state);
        return classifier.restoreFrom(state);
    }

    /** Applies one message of the models topic and keeps it in {@code state} if it was loaded. */
    public void offer(byte[] message, BroadcastState<String, byte[]> state) throws Exception {
        ModelSnapshotRecord record;
        try {
            record = RecordCodec.MODEL_SNAPSHOT.decode(message);
        } catch (InvalidRecordException e) {
            LOG.warn("ignored a message on the models topic: {}", e.getMessage());
            refused.inc();
            return;
        }
        Live<?> model = List.of(classifier, segmenter, affinity).stream()
                .filter(live -> live.name.equals(record.getName()))
                .findFirst()
                .orElse(null);
        if (model == null) {
            return;
        }
        restoreFrom(state); // the live version to compare with, after a restore
        if (model.isLive() && model.version >= record.getVersion()) {
            return;
        }
        try {
            model.load(record);
        } catch (ModelSnapshot.InvalidSnapshotException e) {
            LOG.warn("ignored {} v{}: {}", record.getName(), record.getVersion(), e.getMessage());
            refused.inc();
            return;
        }
        state.put(model.name, message);
    }

    @Override
    public void close() {
        classifier.close();
        segmenter.close();
        affinity.close();
    }

    /** The live network of one model name and its version (-1 before the first). */
    public final class Live<N extends Network> {
        final String name;
        private final Class<N> type;
        private N model;
        private long version = -1;

        Live(String name, Class<N> type) {
            this.name = name;
            this.type = type;
        }

        public boolean isLive() {
            return model != null;
        }

        /** The live network; null before the first. */
        public N model() {
            return model;
        }

        public long version() {
            return version;
        }

        private boolean restoreFrom(ReadOnlyBroadcastState<String, byte[]> state) throws Exception {
            if (model == null) {
                byte[] stored = state.get(name);
                if (stored != null) {
                    load(RecordCodec.MODEL_SNAPSHOT.decode(stored));
                }
            }
            return model != null;
        }

        private void load(ModelSnapshotRecord record) {
            ModelSnapshot snapshot = ModelSnapshot.fromBytes(Bytes.toArray(record.getParameters()))
                    .requireServable(name, classes.names());
            N next = type.cast(snapshot.newNetwork(manager));
            close();
            model = next;
            version = record.getVersion();
        }

        private void close() {
            if (model != null) {
                model.close();
            }
        }
    }
}
