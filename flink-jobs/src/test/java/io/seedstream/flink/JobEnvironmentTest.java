package io.seedstream.flink;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.stream.Stream;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.state.rocksdb.RocksDBOptions;
import org.apache.flink.state.rocksdb.sstmerge.RocksDBManualCompactionOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.DBOptions;
import org.rocksdb.FlushOptions;
import org.rocksdb.Options;
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
            assertThat(options.maxManifestFileSize()).isEqualTo(RocksDbSettings.MAX_MANIFEST_BYTES);
        }
    }

    /**
     * A checkpoint flushes RocksDB's memtable, and each flush adds about 90 to 135 bytes to the
     * MANIFEST. Over 500 flushes (83 minutes of checkpoints every 10 s) it never grows past about the
     * cap; under the 64 KB cap of before it grew with every one of them.
     */
    @Test
    void theManifestStaysSmallOverManyCheckpoints(@TempDir Path directory) throws Exception {
        RocksDB.loadLibrary();
        long largest = 0;
        try (DBOptions dbOptions = new RocksDbSettings().createDBOptions(new DBOptions(), new ArrayList<>());
                ColumnFamilyOptions columns = new ColumnFamilyOptions();
                Options options = new Options(dbOptions, columns).setCreateIfMissing(true);
                FlushOptions flush = new FlushOptions().setWaitForFlush(true);
                RocksDB db = RocksDB.open(options, directory.toString())) {
            for (int i = 0; i < 500; i++) {
                // keys spread over the key space, as Flink's key groups spread keyed state (files of
                // keys in order overlap no other and are moved down without merging: the selector's case)
                db.put(Integer.toHexString(i * 0x9E3779B9).getBytes(StandardCharsets.UTF_8), new byte[] {1});
                db.flush(flush);
                if (i % 50 == 49) {
                    db.compactRange(); // as the compaction Flink schedules does now and then
                }
                largest = Math.max(largest, manifestBytes(directory));
            }
        }
        assertThat(largest).isPositive().isLessThan(16 << 10); // in bytes, not in caps: a larger cap must fail it
    }

    private static long manifestBytes(Path directory) throws IOException {
        try (Stream<Path> files = Files.list(directory)) {
            return files.filter(f -> f.getFileName().toString().startsWith("MANIFEST-"))
                    .mapToLong(f -> f.toFile().length())
                    .max()
                    .orElse(0);
        }
    }
}
