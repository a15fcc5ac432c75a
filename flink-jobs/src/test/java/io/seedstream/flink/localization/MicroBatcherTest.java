package io.seedstream.flink.localization;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/** Batches leave when full (by count or weight), when their wait is over, before a checkpoint barrier and at the end of the input. */
class MicroBatcherTest {

    /** Batches of up to 3 records and 5 characters. */
    private static OneInputStreamOperatorTestHarness<String, List<String>> harness() throws Exception {
        var harness = new OneInputStreamOperatorTestHarness<>(new MicroBatcher<String>(3, 5, String::length, 50));
        harness.open();
        return harness;
    }

    @Test
    void aFullBatchLeavesAtOnce() throws Exception {
        try (var harness = harness()) {
            harness.setProcessingTime(0);
            for (String s : List.of("a", "b", "c", "d")) {
                harness.processElement(s, 0);
            }
            assertThat(harness.extractOutputValues()).containsExactly(List.of("a", "b", "c"));
        }
    }

    @Test
    void aBatchLeavesWhenItsWaitIsOverAndALaterBatchWaitsItsOwn() throws Exception {
        try (var harness = harness()) {
            harness.setProcessingTime(100);
            harness.processElement("a", 0);
            harness.setProcessingTime(140);
            assertThat(harness.extractOutputValues()).isEmpty();
            harness.processElement("b", 0);
            harness.setProcessingTime(150); // 50 ms after "a"
            assertThat(harness.extractOutputValues()).containsExactly(List.of("a", "b"));

            harness.processElement("c", 0);
            harness.processElement("d", 0);
            harness.processElement("e", 0); // full: leaves now, so the timer set at "c" must not cut the next one short
            harness.setProcessingTime(170);
            harness.processElement("f", 0);
            harness.setProcessingTime(200); // "c"'s deadline
            assertThat(harness.extractOutputValues()).containsExactly(List.of("a", "b"), List.of("c", "d", "e"));
            harness.setProcessingTime(220); // "f"'s
            assertThat(harness.extractOutputValues())
                    .containsExactly(List.of("a", "b"), List.of("c", "d", "e"), List.of("f"));
        }
    }

    @Test
    void nothingIsHeldAcrossACheckpointOrPastTheEndOfTheInput() throws Exception {
        try (var harness = harness()) {
            harness.processElement("a", 0);
            harness.prepareSnapshotPreBarrier(1);
            assertThat(harness.extractOutputValues()).containsExactly(List.of("a"));
            harness.processElement("b", 0);
            harness.endInput();
            assertThat(harness.extractOutputValues()).containsExactly(List.of("a"), List.of("b"));
        }
    }

    @Test
    void aBatchLeavesBeforeItWouldOutweighItsBudgetAndAHeavyRecordGoesAlone() throws Exception {
        try (var harness = harness()) {
            harness.processElement("aa", 0);
            harness.processElement("bbbb", 0); // 6 > 5: "aa" leaves first
            harness.processElement("cccccccc", 0); // heavier than the budget: alone, at once
            harness.processElement("d", 0);
            harness.processElement("eeee", 0); // exactly the budget: leaves
            assertThat(harness.extractOutputValues())
                    .containsExactly(List.of("aa"), List.of("bbbb"), List.of("cccccccc"), List.of("d", "eeee"));
        }
    }
}
