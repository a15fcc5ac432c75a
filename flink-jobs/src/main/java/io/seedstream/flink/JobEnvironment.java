package io.seedstream.flink;

import java.net.URI;
import java.time.Duration;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.StateBackendOptions;

/** The Flink settings every SeedStream job runs with, on a cluster and in the local run. */
public final class JobEnvironment {

    private JobEnvironment() {}

    /**
     * RocksDB keyed state (the class memory, pending images) and periodic checkpoints, written to
     * {@code checkpointDirectory} (a file, HDFS or S3 URI) (the trainer's state, with its replay buffers, is far above what
     * the job manager may hold in memory); the interval is also how often the exactly-once sinks
     * commit, so how stale their readers' view is.
     */
    public static Configuration configuration(Duration checkpointInterval, URI checkpointDirectory) {
        Configuration configuration = new Configuration();
        configuration.set(StateBackendOptions.STATE_BACKEND, "rocksdb");
        configuration.set(CheckpointingOptions.CHECKPOINTING_INTERVAL, checkpointInterval);
        configuration.set(CheckpointingOptions.CHECKPOINT_STORAGE, "filesystem");
        configuration.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, checkpointDirectory.toString());
        return configuration;
    }
}
