package io.seedstream.flink.training;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.seedstream.segmentation.config.SeedStreamConfig;
import io.seedstream.segmentation.data.ClassList;
import io.seedstream.segmentation.data.SyntheticDataset;
import io.seedstream.segmentation.snapshot.InitialModels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the demo checks before it starts: the warm start's files read, and refused with the reason where they do not fit. */
class WarmStartTest {

    private static final SeedStreamConfig CONFIG = SeedStreamConfig.defaults();
    private static final ClassList CLASSES = new SyntheticDataset(CONFIG.synthetic()).classes();

    @TempDir
    Path dir;

    @Test
    void aFittingSnapshotIsTakenAndEveryOtherFileIsRefusedWithTheReason() throws Exception {
        Path segmenter = dir.resolve("segmenter.snapshot");
        Files.write(segmenter, InitialModels.segmenter(CONFIG, CLASSES, 4, 1).toBytes());
        assertThatCode(() -> WarmStart.check(warm("trainer.initFrom", segmenter), CLASSES))
                .doesNotThrowAnyException();
        assertThatCode(() -> WarmStart.check(warm("trainer.initBackboneFrom", segmenter), CLASSES))
                .doesNotThrowAnyException();

        ClassList others = new ClassList(CLASSES.names().subList(0, 3), true);
        Path otherClasses = dir.resolve("other.snapshot");
        Files.write(otherClasses, InitialModels.segmenter(CONFIG, others, 4, 1).toBytes());
        assertThatThrownBy(() -> WarmStart.check(warm("trainer.initFrom", otherClasses), CLASSES))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("knows the classes " + others.names());

        SeedStreamConfig twice = CONFIG.with(Map.of("trainer.initFrom", segmenter + "," + segmenter));
        assertThatThrownBy(() -> WarmStart.check(twice, CLASSES))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageEndingWith("are both snapshots of the segmenter; give one file a model");

        Path missing = dir.resolve("missing.snapshot");
        assertThatThrownBy(() -> WarmStart.check(warm("trainer.initFrom", missing), CLASSES))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("warm start: cannot read " + missing);

        Path text = dir.resolve("notes.txt");
        Files.writeString(text, "not a model");
        assertThatThrownBy(() -> WarmStart.check(warm("trainer.initFrom", text), CLASSES))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("warm start: " + text + " is not a model snapshot");
    }

    private static SeedStreamConfig warm(String key, Path file) {
        return CONFIG.with(Map.of(key, file.toString()));
    }
}
