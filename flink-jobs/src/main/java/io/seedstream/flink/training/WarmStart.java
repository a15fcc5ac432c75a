package io.seedstream.flink.training;

import ai.djl.ndarray.NDManager;
import io.seedstream.segmentation.config.SeedStreamConfig;
import io.seedstream.segmentation.data.ClassList;
import io.seedstream.segmentation.snapshot.ModelSnapshot;
import io.seedstream.segmentation.train.StreamingTrainer;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import org.apache.flink.core.fs.FSDataInputStream;
import org.apache.flink.core.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The trainer's warm start ({@code trainer.initBackboneFrom}, then {@code trainer.initFrom}):
 * snapshot files read through Flink's file systems (a local path, or s3:, hdfs:, ... where the
 * cluster has them), then handed to the {@link StreamingTrainer}, which refuses what does not fit.
 */
public final class WarmStart {

    private static final Logger LOG = LoggerFactory.getLogger(WarmStart.class);

    private WarmStart() {}

    /** Starts the trainer's models from the configured snapshots; nothing when none is configured. */
    public static void apply(SeedStreamConfig.Trainer settings, StreamingTrainer trainer) {
        if (!settings.initBackboneFrom().isBlank()) {
            ModelSnapshot snapshot = read(settings.initBackboneFrom());
            trainer.startBackbonesFrom(snapshot);
            LOG.info(
                    "warm start: the backbones from {} v{} ({})",
                    snapshot.name(),
                    snapshot.version(),
                    settings.initBackboneFrom());
        }
        Map<String, String> started = new HashMap<>();
        for (String file : settings.initFrom()) {
            ModelSnapshot snapshot = read(file);
            String earlier = started.put(snapshot.name(), file);
            if (earlier != null) {
                throw new IllegalArgumentException("warm start: " + earlier + " and " + file
                        + " are both snapshots of the " + snapshot.name() + "; give one file a model");
            }
            trainer.startFrom(snapshot);
            LOG.info("warm start: {} from v{} ({})", snapshot.name(), snapshot.version(), file);
        }
    }

    /**
     * What the trainer job would refuse at its start, refused before the job is submitted: an
     * unreadable file, or a snapshot of other classes or another architecture. Throws
     * {@link IllegalArgumentException} with the reason.
     */
    public static void check(SeedStreamConfig config, ClassList classes) {
        if (config.trainer().initFrom().isEmpty()
                && config.trainer().initBackboneFrom().isBlank()) {
            return;
        }
        try (NDManager manager = NDManager.newBaseManager();
                StreamingTrainer trainer = new StreamingTrainer(config, classes, manager)) {
            apply(config.trainer(), trainer);
        }
    }

    private static ModelSnapshot read(String file) {
        Path path = new Path(file);
        byte[] bytes;
        try (FSDataInputStream in = path.getFileSystem().open(path)) {
            bytes = in.readAllBytes();
        } catch (IOException e) {
            throw new IllegalArgumentException("warm start: cannot read " + file + ": " + e.getMessage(), e);
        }
        try {
            return ModelSnapshot.fromBytes(bytes);
        } catch (ModelSnapshot.InvalidSnapshotException e) {
            throw new IllegalArgumentException(
                    "warm start: " + file + " is not a model snapshot: " + e.getMessage(), e);
        }
    }
}
