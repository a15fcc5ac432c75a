package io.seedstream.flink;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.state.rocksdb.RocksDBOptions;
import org.apache.flink.state.rocksdb.sstmerge.RocksDBManualCompactionOptions;
import org.junit.jupiter.api.Test;
import org.rocksdb.DBOptions;
import org.rocksdb.RocksDB;

class JobEnvironmentTest {

    /**
     * What keeps RocksDB state its size over a long run (the soak): small files merged, and the
     * MANIFEST, uploaded with every incremental checkpoint, capped. The factory is named by class,
     * so that a cluster loads it from the job jar.
     */
    @Test
    void rocksDbMergesSmallFilesAndCapsItsManifest() throws Exception {
        Configuration configuration = JobEnvironment.configuration(Duration.ofSeconds(5), URI.create("file:///tmp/cp"));
        assertThat(configuration.get(RocksDBManualCompactionOptions.MIN_INTERVAL))
                .isPositive();
        String factory = configuration.get(RocksDBOptions.OPTIONS_FACTORY);
        assertThat(factory).isEqualTo(RocksDbSettings.class.getName());

        RocksDB.loadLibrary();
        var settings = (RocksDbSettings)
                Class.forName(factory).getDeclaredConstructor().newInstance();
        try (DBOptions options = settings.createDBOptions(new DBOptions(), new ArrayList<>())) {
            assertThat(options.maxManifestFileSize()).isEqualTo(64 << 10);
        }
    }
}
