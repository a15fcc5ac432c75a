package io.seedstream.flink.active;

import static org.assertj.core.api.Assertions.assertThat;

import io.seedstream.flink.common.EncodedRecord;
import io.seedstream.records.LabelRequest;
import io.seedstream.records.RecordCodec;
import io.seedstream.segmentation.active.Candidate;
import io.seedstream.segmentation.active.Thumbnail;
import io.seedstream.segmentation.config.SeedStreamConfig;
import io.seedstream.segmentation.data.ClassList;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.operators.co.KeyedCoProcessOperator;
import org.apache.flink.streaming.util.KeyedTwoInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/** The selector in an operator test harness: window, timer, budget, answers, and a restore. */
class SelectFunctionTest {

    private static final ClassList CLASSES = new ClassList(List.of("background", "a", "b"), true);
    private final SeedStreamConfig.Active config = SeedStreamConfig.defaults()
            .with(Map.of(
                    "active.windowSize",
                    "4",
                    "active.batchSize",
                    "2",
                    "active.budget",
                    "5",
                    "active.selectEveryMs",
                    "1000",
                    "active.rarityWeight",
                    "0.5"))
            .active();

    private KeyedTwoInputStreamOperatorTestHarness<String, Candidate, LabelFeedback, EncodedRecord> harness()
            throws Exception {
        return new KeyedTwoInputStreamOperatorTestHarness<>(
                new KeyedCoProcessOperator<>(new SelectFunction(config, CLASSES, Duration.ofDays(7))),
                c -> ActiveLearningJob.SELECTOR_KEY,
                f -> ActiveLearningJob.SELECTOR_KEY,
                Types.STRING);
    }

    /** Image i with this uncertainty, guessed class a, a thumbnail orthogonal to every other's. */
    private static Candidate candidate(int i, double uncertainty) {
        float[] thumbnail = new float[3 * Thumbnail.SIDE * Thumbnail.SIDE];
        thumbnail[i] = 1;
        return new Candidate("c" + i, uncertainty, uncertainty, 0, 0, new int[] {1}, thumbnail, 3, 0);
    }

    private static List<String> requested(KeyedTwoInputStreamOperatorTestHarness<?, ?, ?, EncodedRecord> harness)
            throws Exception {
        List<String> ids = new ArrayList<>();
        for (EncodedRecord record : harness.extractOutputValues()) {
            LabelRequest request = RecordCodec.LABEL_REQUEST.decode(record.value());
            assertThat(record.key()).isEqualTo(request.getImageId().toString());
            assertThat(request.getModelVersion()).isEqualTo(3);
            assertThat(request.getGuessedClasses())
                    .as("the guess, by name")
                    .containsExactly(
                            CLASSES.names().get(request.getImageId().toString().equals("b1") ? 2 : 1));
            ids.add(request.getImageId().toString());
        }
        return ids;
    }

    @Test
    void asksPerWindowWithinTheBudgetAndNeitherLosesNorRepeatsAcrossARestore() throws Exception {
        OperatorSubtaskState checkpoint;
        try (var harness = harness()) {
            harness.open();
            harness.setProcessingTime(0);
            for (int i = 1; i <= 3; i++) {
                harness.processElement1(candidate(i, i / 10.0), i);
            }
            assertThat(requested(harness)).as("the window is not full yet").isEmpty();
            // The 4th fills the window: c4 (0.4 + 0.5 x 1), then c3 (0.3 + 0.5 / sqrt 2 = 0.654 > c2's 0.554).
            harness.processElement1(candidate(4, 0.4), 4);
            assertThat(requested(harness)).containsExactly("c4", "c3");
            checkpoint = harness.snapshot(1, 5);
        }
        try (var restored = harness()) {
            restored.initializeState(checkpoint);
            restored.open();
            restored.setProcessingTime(100);
            restored.processElement1(candidate(4, 0.9), 6); // replayed after the restore: asked already
            restored.processElement1(candidate(5, 0.5), 7);
            restored.processElement1(candidate(6, 0.6), 8);
            restored.processElement1(candidate(7, 0.05), 9); // c1 and c2 were passed over: the window is c5, c6, c7
            assertThat(requested(restored)).as("not a full window").isEmpty();
            // The timer: 3 of 4 images earn 2 x 3 / 4 = 1.5 requests: c6 (0.6 + 0.5 > c5's 0.5 + 0.5); 0.5 carries
            // over.
            restored.setProcessingTime(1100);
            assertThat(requested(restored)).containsExactly("c6");
            for (int i = 8; i <= 11; i++) {
                restored.processElement1(candidate(i, 5.0), 2 + i);
            }
            // A full window, two requests left in the budget; equal priorities go to the first id.
            assertThat(requested(restored)).containsExactly("c6", "c10", "c11");
            restored.processElement1(candidate(12, 9.0), 14);
            restored.setProcessingTime(5000);
            assertThat(requested(restored)).as("the budget of 5 is spent").hasSize(3);
        }
    }

    @Test
    void aTimerDueAtTheRestoreRanksTheRestoredWindow() throws Exception {
        OperatorSubtaskState checkpoint;
        try (var harness = harness()) {
            harness.open();
            harness.setProcessingTime(0);
            harness.processElement1(candidate(1, 0.1), 1);
            harness.processElement1(candidate(2, 0.2), 2);
            checkpoint = harness.snapshot(1, 3); // the window c1, c2 and its timer at 1000
        }
        try (var restored = harness()) {
            restored.initializeState(checkpoint);
            restored.open();
            restored.setProcessingTime(5000); // overdue: fires before any new element
            assertThat(requested(restored)).as("2 of 4 images earn one request").containsExactly("c2");
        }
    }

    @Test
    void answersRemoveImagesFromThePoolAndMakeTheirClassesLessRare() throws Exception {
        try (var harness = harness()) {
            harness.open();
            harness.setProcessingTime(0);
            harness.processElement1(candidate(1, 0.9), 1);
            harness.processElement2(new LabelFeedback("c1", new int[] {1}), 2); // labeled before anyone asked
            harness.processElement2(new LabelFeedback("x", new int[] {1}), 3); // class a: 2 labels now
            Candidate rareB = new Candidate(
                    "b1", 0.5, 0.5, 0, 0, new int[] {2}, candidate(20, 0).thumbnail(), 3, 0);
            harness.processElement1(rareB, 4); // 0.5 + 0.5 x 1 = 1.0
            harness.processElement1(candidate(2, 0.6), 5); // 0.6 + 0.5 / sqrt 3 = 0.889
            harness.processElement1(candidate(3, 0.1), 6);
            harness.processElement1(candidate(1, 0.9), 7); // labeled: never pooled again
            assertThat(requested(harness)).isEmpty();
            harness.processElement1(candidate(4, 0.2), 8);
            assertThat(requested(harness)).containsExactly("b1", "c2");
            harness.processElement1(candidate(5, 0.1), 9); // alone in its window: half a request at the timer, so none
            harness.setProcessingTime(1000);
            assertThat(requested(harness)).containsExactly("b1", "c2");
            harness.processElement1(candidate(6, 0.1), 10); // alone too: half a request, plus the half owed
            harness.setProcessingTime(2000);
            assertThat(requested(harness)).containsExactly("b1", "c2", "c6");
        }
    }
}
