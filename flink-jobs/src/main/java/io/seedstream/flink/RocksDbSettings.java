package io.seedstream.flink;

import java.util.Collection;
import org.apache.flink.state.rocksdb.RocksDBOptionsFactory;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.DBOptions;

/**
 * RocksDB's settings beyond Flink's configuration keys. Each incremental checkpoint uploads the
 * database's MANIFEST, the log of every flush and compaction since the database opened, which
 * RocksDB starts afresh only at 1 GB by default: with a checkpoint every few seconds a job's state
 * would grow by it for as long as the job runs. Capped, the MANIFEST is rewritten small when it
 * reaches the cap.
 */
public final class RocksDbSettings implements RocksDBOptionsFactory {

    /** The MANIFEST's size at most before RocksDB starts a new one. */
    static final long MAX_MANIFEST_BYTES = 1L << 20;

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
