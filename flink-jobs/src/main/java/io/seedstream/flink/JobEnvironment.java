package io.seedstream.flink;

import java.net.URI;
import java.time.Duration;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ExecutionOptions;
import org.apache.flink.configuration.ExternalizedCheckpointRetention;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.state.rocksdb.RocksDBOptions;
import org.apache.flink.state.rocksdb.sstmerge.RocksDBManualCompactionOptions;

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
        // A state keyed under one key (the active-learning selector's) takes its entries in id order, so
        // every flush at a checkpoint is a small file whose keys overlap no other: RocksDB moves such files
        // down the levels without merging them, and TTL-expired entries leave only in a merge. The
        // incremental checkpoints then held one more file of about 1 KB every few seconds (+1.1 MB/h in the
        // soak). Flink's manual compaction merges small files (FLINK-26050).
        configuration.set(RocksDBManualCompactionOptions.MIN_INTERVAL, Duration.ofMinutes(1));
        configuration.set(RocksDBOptions.OPTIONS_FACTORY, RocksDbSettings.class.getName());
        configuration.set(CheckpointingOptions.CHECKPOINTING_INTERVAL, checkpointInterval);
        configuration.set(CheckpointingOptions.CHECKPOINT_STORAGE, "filesystem");
        configuration.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, checkpointDirectory.toString());
        configuration.set(
                CheckpointingOptions.EXTERNALIZED_CHECKPOINT_RETENTION,
                ExternalizedCheckpointRetention.RETAIN_ON_CANCELLATION);
        // Flink 2.2.1's uncompressed snapshot streams move operator state one byte per system call
        // (CompressibleFSDataInputStream/OutputStream override only read() and write(int)): the
        // trainer's 24 MB took about 30 s to checkpoint and 50 s to restore. Snappy buffers them.
        configuration.set(ExecutionOptions.SNAPSHOT_COMPRESSION, true);
        // A training step or a localization batch takes seconds, and records queue before it: an
        // aligned barrier waits behind all of them (the trainer's checkpoints took 42 and 92 s in a
        // demo, so its models were committed three versions at a time). After a second of alignment
        // the barrier overtakes the queued records, which are stored with the checkpoint instead.
        configuration.set(CheckpointingOptions.ENABLE_UNALIGNED, true);
        configuration.set(CheckpointingOptions.ALIGNED_CHECKPOINT_TIMEOUT, Duration.ofSeconds(1));
        return configuration;
    }

    /**
     * The job starts from the retained checkpoint at {@code checkpointPath}, which it does not own
     * (Flink's default, no-claim mode: its first checkpoint is a full one, so that the restored one
     * may be deleted; {@link RetainedCheckpoints#deleteAllBut} does, at the next start).
     */
    public static Configuration restoredFrom(Configuration configuration, String checkpointPath) {
        Configuration restored = new Configuration(configuration);
        restored.set(StateRecoveryOptions.SAVEPOINT_PATH, checkpointPath);
        return restored;
    }
}
