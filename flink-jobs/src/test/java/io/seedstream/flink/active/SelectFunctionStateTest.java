package io.seedstream.flink.active;

import static org.assertj.core.api.Assertions.assertThat;

import io.seedstream.flink.common.EncodedRecord;
import io.seedstream.records.RecordCodec;
import io.seedstream.segmentation.active.Candidate;
import io.seedstream.segmentation.active.Thumbnail;
import io.seedstream.segmentation.config.SeedStreamConfig;
import io.seedstream.segmentation.data.ClassList;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend;
import org.apache.flink.streaming.api.operators.co.KeyedCoProcessOperator;
import org.apache.flink.streaming.util.KeyedTwoInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.OperatorSnapshotUtil;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The selector's keyed state across releases, in RocksDB as in production: a snapshot written by
 * the previous release (before the settled images had a retention) is restored and still decides
 * what is asked.
 */
class SelectFunctionStateTest {

    /** Written by {@link #theStateOfThisReleaseDecidesWhatIsAsked} at the release before the settled images' retention. */
    private static final String VERSION_1 = "select-function-state-v1.snapshot";

    private static final ClassList CLASSES = new ClassList(List.of("background", "a", "b"), true);
    private static final SeedStreamConfig CONFIG = SeedStreamConfig.defaults()
            .with(Map.of(
                    "active.windowSize",
                    "4",
                    "active.batchSize",
                    "2",
                    "active.budget",
                    "5",
                    "stream.duplicateIdRetentionSeconds",
                    "10"));

    private static KeyedTwoInputStreamOperatorTestHarness<String, Candidate, LabelFeedback, EncodedRecord> harness()
            throws Exception {
        var harness = new KeyedTwoInputStreamOperatorTestHarness<>(
                new KeyedCoProcessOperator<>(new SelectFunction(
                        CONFIG.active(), CLASSES, CONFIG.stream().duplicateIdRetention())),
                (Candidate c) -> ActiveLearningJob.SELECTOR_KEY,
                (LabelFeedback f) -> ActiveLearningJob.SELECTOR_KEY,
                Types.STRING);
        harness.setStateBackend(new EmbeddedRocksDBStateBackend());
        return harness;
    }

    private static Candidate candidate(String id, int thumbnailPixel, double uncertainty) {
        float[] thumbnail = new float[3 * Thumbnail.SIDE * Thumbnail.SIDE];
        thumbnail[thumbnailPixel] = 1;
        return new Candidate(id, uncertainty, uncertainty, 0, 0, new int[] {1}, thumbnail, 3, 0);
    }

    private static List<String> requested(KeyedTwoInputStreamOperatorTestHarness<?, ?, ?, EncodedRecord> harness)
            throws Exception {
        List<String> ids = new ArrayList<>();
        for (EncodedRecord record : harness.extractOutputValues()) {
            ids.add(RecordCodec.LABEL_REQUEST
                    .decode(record.value())
                    .getImageId()
                    .toString());
        }
        return ids;
    }

    @Test
    void aLabeledImageIsForgottenAfterTheRetention() throws Exception {
        try (var harness = harness()) {
            harness.open();
            harness.setStateTtlProcessingTime(0);
            harness.processElement2(new LabelFeedback("x", new int[] {1}), 1);
            harness.setStateTtlProcessingTime(9_000);
            harness.processElement1(candidate("x", 0, 0.9), 2); // labeled 9 s ago: stays out
            for (int i = 1; i <= 3; i++) {
                harness.processElement1(candidate("c" + i, i, i / 10.0), 2 + i);
            }
            assertThat(requested(harness))
                    .as("c1 to c3: the window is not full")
                    .isEmpty();
            harness.setStateTtlProcessingTime(10_001); // the retention of 10 s is over: x is a new image
            harness.processElement1(candidate("x", 0, 0.9), 6);
            assertThat(requested(harness)).containsExactly("x", "c3");
        }
    }

    /**
     * Writes the state of this release as the snapshot the next release's test restores, and
     * restores it. The state: "labeled" labeled (settled), c1 to c4 scored, of which c4 and c3 (the
     * most uncertain) asked, so 3 of the budget of 5 are left. With
     * {@code -Dseedstream.writeSelectorSnapshot=FILE} the snapshot is kept in FILE (how the
     * resource of version 1 was made).
     */
    @Test
    void theStateOfThisReleaseDecidesWhatIsAsked(@TempDir Path dir) throws Exception {
        String file = System.getProperty(
                "seedstream.writeSelectorSnapshot",
                dir.resolve("select.snapshot").toString());
        try (var harness = harness()) {
            harness.open();
            harness.setProcessingTime(0);
            harness.processElement2(new LabelFeedback("labeled", new int[] {1}), 1);
            for (int i = 1; i <= 4; i++) {
                harness.processElement1(candidate("c" + i, i, i / 10.0), 1 + i);
            }
            assertThat(requested(harness)).containsExactly("c4", "c3");
            OperatorSnapshotUtil.writeStateHandle(harness.snapshot(1, 10), file);
        }
        assertTheRestoredStateDecides(file);
    }

    @Test
    void theStateOfVersion1StillDecidesWhatIsAsked() throws Exception {
        assertTheRestoredStateDecides(
                Path.of(getClass().getResource(VERSION_1).toURI()).toString());
    }

    private static void assertTheRestoredStateDecides(String snapshot) throws Exception {
        try (var restored = harness()) {
            restored.initializeState(OperatorSnapshotUtil.readStateHandle(snapshot));
            restored.open();
            restored.setProcessingTime(100);
            restored.processElement1(candidate("labeled", 10, 0.9), 20); // settled in the snapshot
            restored.processElement1(candidate("c4", 4, 0.9), 21); // asked in the snapshot
            for (int i = 5; i <= 8; i++) {
                restored.processElement1(candidate("c" + i, i, i / 10.0), 17 + i);
            }
            assertThat(requested(restored))
                    .as("the window is c5 to c8; the settled and the asked images stay out")
                    .containsExactly("c8", "c7");
            // One retention (10 s) after the restore, which stamped the settled ids with its time: the
            // labeled image is forgotten and comes back as a new one; an asked one never does.
            restored.setStateTtlProcessingTime(10_001);
            restored.processElement1(candidate("c4", 4, 0.9), 30);
            for (int i = 9; i <= 11; i++) {
                restored.processElement1(candidate("c" + i, i, 0.01), 22 + i);
            }
            restored.processElement1(candidate("labeled", 10, 0.9), 34);
            assertThat(requested(restored)).containsExactly("c8", "c7", "labeled");
            for (int i = 12; i <= 15; i++) {
                restored.processElement1(candidate("c" + i, i, 0.5), 23 + i);
            }
            assertThat(requested(restored))
                    .as("the snapshot's 2 requests and these 3 spend the budget of 5")
                    .hasSize(3);
        }
    }
}
