package io.seedstream.records.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DeliveredIdsTest {

    @Test
    void idsSurviveAReopenAndALineCutShortByACrashIsNotAnId(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("delivered.txt");
        try (DeliveredIds ids = DeliveredIds.kept(file)) {
            ids.add("a");
            ids.add("with\nbreak");
            ids.add("a"); // once only
        }
        Files.writeString(file, Files.readString(file) + "trunc"); // the process died while writing "truncated"
        try (DeliveredIds ids = DeliveredIds.kept(file)) {
            assertThat(ids.size()).isEqualTo(2);
            assertThat(ids.contains("a")).isTrue();
            assertThat(ids.contains("with\nbreak")).isTrue();
            assertThat(ids.contains("trunc")).isFalse();
            ids.add("b");
        }
        try (DeliveredIds ids = DeliveredIds.kept(file)) {
            assertThat(ids.contains("b"))
                    .as("written on a line of its own, after the cut one")
                    .isTrue();
            assertThat(ids.size()).isEqualTo(3);
        }
    }
}
