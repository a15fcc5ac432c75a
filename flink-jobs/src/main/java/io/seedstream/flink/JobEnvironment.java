package io.seedstream.flink;

import java.net.URI;
import java.time.Duration;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ExternalizedCheckpointRetention;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.core.execution.RecoveryClaimMode;

/** The Flink settings every SeedStream job runs with, on a cluster and in the local run. */
public final class JobEnvironment {

    private JobEnvironment() {}

    /**
     * RocksDB keyed state (the class memory, pending images) and periodic checkpoints, written to
     * {@code checkpointDirectory} (a file, HDFS or S3 URI) (the trainer's state, with its replay buffers, is far above what
     * the job manager may hold in memory); the interval is also how often the exactly-once sinks
     * commit, so how stale their readers' view is. The latest checkpoint outlives a cancelled job,
     * so that the next start can resume from it ({@link #restoredFrom}).
     */
    public static Configuration configuration(Duration checkpointInterval, URI checkpointDirectory) {
        Configuration configuration = new Configuration();
        configuration.set(StateBackendOptions.STATE_BACKEND, "rocksdb");
        configuration.set(CheckpointingOptions.CHECKPOINTING_INTERVAL, checkpointInterval);
        configuration.set(CheckpointingOptions.CHECKPOINT_STORAGE, "filesystem");
        configuration.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, checkpointDirectory.toString());
        configuration.set(CheckpointingOptions.EXTERNALIZED_CHECKPOINT_RETENTION, ExternalizedCheckpointRetention.RETAIN_ON_CANCELLATION);
        return configuration;
    }

    /**
     * The job starts from the retained checkpoint at {@code checkpointPath} and owns it (claim mode):
     * Flink deletes it once a newer one is complete, so a run of restarts keeps one checkpoint, not one per start.
     */
    public static Configuration restoredFrom(Configuration configuration, String checkpointPath) {
        Configuration restored = new Configuration(configuration);
        restored.set(StateRecoveryOptions.SAVEPOINT_PATH, checkpointPath);
        restored.set(StateRecoveryOptions.RESTORE_MODE, RecoveryClaimMode.CLAIM);
        return restored;
    }
}
