package io.seedstream.server;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import io.seedstream.records.Bytes;
import io.seedstream.records.ModelSnapshotRecord;
import io.seedstream.segmentation.data.ClassList;
import io.seedstream.segmentation.nn.Classifier;
import io.seedstream.segmentation.nn.ModelName;
import io.seedstream.segmentation.nn.Network;
import io.seedstream.segmentation.snapshot.ModelSnapshot;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The classifier, the segmenter and the affinity head in service. A new version is built completely off to the side
 * and then swapped in with one atomic reference update; each request leases the model it starts
 * with, and a replaced model is closed only when its last lease is returned, so no request ever
 * sees a half-loaded or closed model. A snapshot that fails its checks is refused and logged and
 * the model in service stays.
 */
public final class ServedModels implements AutoCloseable {

    private static final int HISTORY_LIMIT = 10_000;
    private static final Logger LOG = LoggerFactory.getLogger(ServedModels.class);

    /** A published model version, as the pages and {@code GET /v1/models} list it. */
    public record Version(
            String name, long version, long trainingStep, Double evalMiou, long publishedMs, String sha256) {
        static Version of(ModelSnapshotRecord record) {
            return new Version(
                    record.getName(),
                    record.getVersion(),
                    record.getTrainingStep(),
                    record.getEvalMiou(),
                    record.getTimestampMs(),
                    record.getSha256());
        }
    }

    /** What became of an offered snapshot. */
    public enum Outcome {
        SERVING,
        OLDER_THAN_SERVED,
        REFUSED,
        NOT_A_SERVED_NAME
    }

    /** A model in service: freed when it has been replaced and its last lease is returned. */
    private static final class Live {
        final NDManager manager;
        final Network network;
        final Version version;
        final List<String> classes;
        /** Leases plus one for being in service; 0 = closed. */
        final AtomicInteger references = new AtomicInteger(1);

        Live(NDManager manager, Network network, Version version, List<String> classes) {
            this.manager = manager;
            this.network = network;
            this.version = version;
            this.classes = classes;
        }

        boolean retain() {
            while (true) {
                int n = references.get();
                if (n == 0) {
                    return false;
                }
                if (references.compareAndSet(n, n + 1)) {
                    return true;
                }
            }
        }

        void release() {
            if (references.decrementAndGet() == 0) {
                network.close();
                manager.close();
            }
        }
    }

    /** A request's hold on one model version; return it with {@link #close()}. */
    public static final class Lease<N extends Network> implements AutoCloseable {
        private final Live live;
        private final N network;
        private boolean closed;

        private Lease(Live live, Class<N> type) {
            this.live = live;
            this.network = type.cast(live.network);
        }

        public N network() {
            return network;
        }

        public long version() {
            return live.version.version();
        }

        /** The class names of the model, background (when there is one) first. */
        public List<String> classes() {
            return live.classes;
        }

        @Override
        public void close() {
            if (!closed) {
                closed = true;
                live.release();
            }
        }
    }

    private final Device device;
    private final ServerMetrics metrics;
    private final Map<String, AtomicReference<Live>> serving = Map.of(
            ModelName.CLASSIFIER.id(),
            new AtomicReference<>(),
            ModelName.SEGMENTER.id(),
            new AtomicReference<>(),
            ModelName.AFFINITY.id(),
            new AtomicReference<>());
    /** Every version seen, by name and version; the oldest entries go first beyond the limit. */
    private final Map<String, Version> history = new LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Version> eldest) {
            return size() > HISTORY_LIMIT;
        }
    };

    public ServedModels(Device device, ServerMetrics metrics) {
        this.device = device;
        this.metrics = metrics;
    }

    /** Puts the record's model in service if it is newer than the one serving and passes its checks. */
    public synchronized Outcome offer(ModelSnapshotRecord record) {
        String name = record.getName();
        AtomicReference<Live> slot = serving.get(name);
        if (slot == null) {
            return Outcome.NOT_A_SERVED_NAME;
        }
        remember(record);
        Live current = slot.get();
        if (current != null && current.version.version() >= record.getVersion()) {
            return Outcome.OLDER_THAN_SERVED;
        }
        Live next;
        try {
            next = build(record);
        } catch (ModelSnapshot.InvalidSnapshotException e) {
            refuse(name + " v" + record.getVersion() + " (still serving "
                    + (current == null ? "nothing" : "v" + current.version.version()) + "): " + e.getMessage());
            return Outcome.REFUSED;
        }
        Live replaced = slot.getAndSet(next);
        if (replaced != null) {
            replaced.release();
        }
        metrics.swaps.labelValues(name).inc();
        metrics.modelVersion.labelValues(name).set(record.getVersion());
        LOG.info(
                "serving {} v{} (training step {}, eval mIoU {})",
                name,
                record.getVersion(),
                record.getTrainingStep(),
                record.getEvalMiou());
        return Outcome.SERVING;
    }

    /** Counts and logs a message on the models topic that cannot be served. */
    public void refuse(String reason) {
        metrics.refusals.inc();
        LOG.warn("refused a model snapshot: {}", reason);
    }

    /** Adds a published version to the history without serving it (older versions read at start). */
    public void remember(ModelSnapshotRecord record) {
        if (!serving.containsKey(record.getName())) {
            return;
        }
        Version version = Version.of(record);
        synchronized (history) {
            history.putIfAbsent(version.name() + "/" + version.version(), version);
        }
    }

    private Live build(ModelSnapshotRecord record) {
        ModelSnapshot snapshot = ModelSnapshot.fromBytes(Bytes.toArray(record.getParameters()));
        // Both models must agree on the classes: the first model in service fixes them.
        List<String> classes = servedClasses().orElse(snapshot.classes());
        snapshot.requireServable(record.getName(), classes);
        NDManager manager = NDManager.newBaseManager(device);
        try {
            return new Live(manager, snapshot.newNetwork(manager), Version.of(record), snapshot.classes());
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    /** The class names of the models in service (they share them), or empty before the first. */
    public Optional<List<String>> servedClasses() {
        return serving.values().stream()
                .map(AtomicReference::get)
                .filter(l -> l != null)
                .map(l -> l.classes)
                .findFirst();
    }

    /** The classes a label may name (the classifier's; a background, if any, first), or empty before the first classifier. */
    public Optional<ClassList> labelClasses() {
        Optional<Lease<Classifier>> lease = lease(ModelName.CLASSIFIER.id(), Classifier.class);
        if (lease.isEmpty()) {
            return Optional.empty();
        }
        try (Lease<Classifier> held = lease.get()) {
            int foreground = held.network().architecture().numClasses();
            return Optional.of(new ClassList(held.classes(), held.classes().size() > foreground));
        }
    }

    /** A lease on the model in service under {@code name}, or empty before the first one. */
    public <N extends Network> Optional<Lease<N>> lease(String name, Class<N> type) {
        AtomicReference<Live> slot = serving.get(name);
        while (true) {
            Live live = slot.get();
            if (live == null) {
                return Optional.empty();
            }
            if (live.retain()) {
                return Optional.of(new Lease<>(live, type));
            }
            // Replaced and closed between the read and the retain: read the new one.
        }
    }

    /** The version in service under {@code name}, or -1. */
    public long servingVersion(String name) {
        Live live = serving.get(name).get();
        return live == null ? -1 : live.version.version();
    }

    /** Every version seen, oldest publication first. */
    public List<Version> history() {
        synchronized (history) {
            List<Version> copy = new ArrayList<>(history.values());
            copy.sort(Comparator.comparingLong(Version::publishedMs)
                    .thenComparing(Version::name)
                    .thenComparingLong(Version::version));
            return copy;
        }
    }

    /** Ready to segment: a segmenter is in service. */
    public boolean ready() {
        return serving.get(ModelName.SEGMENTER.id()).get() != null;
    }

    @Override
    public void close() {
        serving.values().forEach(slot -> {
            Live live = slot.getAndSet(null);
            if (live != null) {
                live.release();
            }
        });
    }
}
