package io.seedstream.flink;

import java.util.Collection;
import org.apache.flink.state.rocksdb.RocksDBOptionsFactory;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.DBOptions;

/**
 * RocksDB's settings beyond Flink's configuration keys. Each checkpoint uploads the database's
 * MANIFEST, the log of every flush and compaction since it was last started afresh, which RocksDB
 * does only at 1 GB by default: with a checkpoint every few seconds a job's state grew by it for as
 * long as the job ran (0.47 MB/h in the soak's active-learning job). Each checkpoint's flush adds
 * about 135 bytes to it, so even a 64 KB cap let it grow for an hour at a checkpoint every 10 s:
 * the localization job's two written states (duplicate ids, class memory) made most of its
 * 0.13 MB/h in the hour's soak. Capped at 8 KB, a new MANIFEST starts with a snapshot of the live
 * files (about 1 KB for these states) every 50 or so checkpoints; a state with a file list larger
 * than the cap starts one at each change, which costs about what each checkpoint uploads anyway.
 */
public final class RocksDbSettings implements RocksDBOptionsFactory {

    /** The MANIFEST's size at most before RocksDB starts a new one. */
    static final long MAX_MANIFEST_BYTES = 8 << 10;

    @Override
    public DBOptions createDBOptions(DBOptions current, Collection<AutoCloseable> handlesToClose) {
        return current.setMaxManifestFileSize(MAX_MANIFEST_BYTES);
    }

    @Override
    public ColumnFamilyOptions createColumnOptions(
            ColumnFamilyOptions current, Collection<AutoCloseable> handlesToClose) {
        return current;
    }
}
