package io.seedstream.flink;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RetainedCheckpointsTest {

    @Test
    void theNewestCompleteCheckpointOfAnyRunIsChosen(@TempDir Path dir) throws Exception {
        assertThat(RetainedCheckpoints.latest(dir.resolve("none").toUri())).isEmpty();
        checkpoint(dir, "run-a/chk-40", 1_000); // an earlier run, with a higher number
        checkpoint(dir, "run-b/chk-3", 2_000);
        Files.createDirectories(dir.resolve("run-b/chk-4")); // begun, never completed: no _metadata
        Files.createDirectories(dir.resolve("run-b/shared"));
        assertThat(RetainedCheckpoints.latest(dir.toUri()))
                .hasValueSatisfying(path -> assertThat(path).endsWith("run-b/chk-3"));

        String latest = RetainedCheckpoints.latest(dir.toUri()).orElseThrow();
        assertThat(RetainedCheckpoints.deleteAllBut(dir.toUri(), latest))
                .as("run-a's folder")
                .isEqualTo(1);
        assertThat(dir.resolve("run-a")).doesNotExist();
        assertThat(dir.resolve("run-b/chk-3/_metadata")).exists();
        assertThat(RetainedCheckpoints.latest(dir.toUri())).hasValue(latest);

        RetainedCheckpoints.deleteAll(dir.toUri());
        assertThat(dir).doesNotExist();
    }

    private static void checkpoint(Path dir, String name, long epochSecond) throws Exception {
        Path metadata = Files.createDirectories(dir.resolve(name)).resolve("_metadata");
        Files.write(metadata, new byte[] {1});
        Files.setLastModifiedTime(metadata, FileTime.from(Instant.ofEpochSecond(epochSecond)));
    }
}
