package io.seedstream.flink;

import java.time.Duration;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.StateBackendOptions;

/** The Flink settings every SeedStream job runs with, on a cluster and in the local run. */
public final class JobEnvironment {

    /** How often state is checkpointed, and so how often the exactly-once sinks commit. */
    public static final Duration CHECKPOINT_INTERVAL = Duration.ofSeconds(5);

    private JobEnvironment() {}

    /** RocksDB keyed state (the class memory, pending images) and periodic checkpoints. */
    public static Configuration configuration(Duration checkpointInterval) {
        Configuration configuration = new Configuration();
        configuration.set(StateBackendOptions.STATE_BACKEND, "rocksdb");
        configuration.set(CheckpointingOptions.CHECKPOINTING_INTERVAL, checkpointInterval);
        return configuration;
    }
}
