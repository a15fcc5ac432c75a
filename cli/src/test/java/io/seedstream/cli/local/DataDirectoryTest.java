package io.seedstream.cli.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DataDirectoryTest {

    private static final Map<String, String> RUN = Map.of("dataset", "camvid train", "kafka", "embedded");

    @Test
    void aSecondOpenResumesTheSameRunAndFreshStartsOver(@TempDir Path root) throws Exception {
        Path dir = root.resolve("demo");
        try (DataDirectory first = DataDirectory.open(dir, RUN, false)) {
            assertThat(first.resumed()).isFalse();
            Files.writeString(first.producerDelivered(), "img-1\n");
        }
        try (DataDirectory second = DataDirectory.open(dir, RUN, false)) {
            assertThat(second.resumed()).isTrue();
            assertThat(second.producerDelivered()).hasContent("img-1");
        }
        try (DataDirectory fresh = DataDirectory.open(dir, RUN, true)) {
            assertThat(fresh.resumed()).isFalse();
            assertThat(fresh.producerDelivered()).doesNotExist();
        }
    }

    @Test
    void theServerTokenIsMadeOnceKeptPrivateAndGoneWithFresh(@TempDir Path root) throws Exception {
        Path dir = root.resolve("demo");
        String token;
        try (DataDirectory first = DataDirectory.open(dir, RUN, false)) {
            Path file = first.serverToken();
            token = Files.readString(file).strip();
            assertThat(token).hasSize(32);
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
                    .isEqualTo("rw-------");
            assertThat(first.serverToken()).as("the same file").hasContent(token);
        }
        try (DataDirectory resumed = DataDirectory.open(dir, RUN, false)) {
            assertThat(Files.readString(resumed.serverToken()).strip())
                    .as("a resumed run keeps it")
                    .isEqualTo(token);
        }
        try (DataDirectory fresh = DataDirectory.open(dir, RUN, true)) {
            assertThat(Files.readString(fresh.serverToken()).strip()).isNotEqualTo(token);
        }
    }

    @Test
    void anotherRunIsRefusedWithWhatDiffers(@TempDir Path root) throws Exception {
        DataDirectory.open(root, RUN, false).close();
        assertThatThrownBy(() -> DataDirectory.open(root, Map.of("dataset", "synthetic", "kafka", "embedded"), false))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("holds another run (dataset was 'camvid train', now 'synthetic')")
                .hasMessageContaining("--fresh");
        try (DataDirectory fresh = DataDirectory.open(root, Map.of("dataset", "synthetic"), true)) {
            assertThat(fresh.resumed()).isFalse();
        }
    }

    @Test
    void aFolderHoldingOtherThingsIsNeitherFilledNorDeleted(@TempDir Path root) throws Exception {
        Path notes = Files.writeString(root.resolve("notes.txt"), "mine");
        assertThatThrownBy(() -> DataDirectory.open(root, RUN, true))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("is not empty and holds no seedstream run");
        assertThat(notes).hasContent("mine");
    }

    @Test
    void oneProcessAtATime(@TempDir Path root) throws Exception {
        try (DataDirectory first = DataDirectory.open(root, RUN, false)) {
            // the lock is per process: a second open from this JVM sees it as held
            assertThatThrownBy(() -> DataDirectory.open(root, RUN, false))
                    .hasMessageContaining("another seedstream process is using the data directory");
        }
    }
}
