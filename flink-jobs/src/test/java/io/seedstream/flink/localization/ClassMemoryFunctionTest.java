package io.seedstream.flink.localization;

import static org.assertj.core.api.Assertions.assertThat;

import io.seedstream.segmentation.config.SeedStreamConfig;
import java.util.List;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.assertj.core.api.Assertions;
import org.junit.jupiter.api.Test;

/** The class memory as keyed state: updates per class, and the state restored from a checkpoint. */
class ClassMemoryFunctionTest {

    private final SeedStreamConfig config =
            SeedStreamConfig.defaults().with("memory.annealingUpdates", 10); // m(1) = 0.9 * 0.9^0.9 = 0.818579

    private KeyedOneInputStreamOperatorTestHarness<Integer, ClassFeatures, MemoryUpdate> harness() throws Exception {
        return new KeyedOneInputStreamOperatorTestHarness<>(
                new KeyedProcessOperator<>(new ClassMemoryFunction(config, 0)), ClassFeatures::classId, Types.INT);
    }

    @Test
    void eachClassKeepsItsOwnMemoryAcrossARestore() throws Exception {
        OperatorSubtaskState checkpoint;
        try (var harness = harness()) {
            harness.open();
            harness.processElement(new ClassFeatures(1, "a", new float[][] {{1, 0}, {0, 1}}), 1); // first: the mean
            harness.processElement(new ClassFeatures(2, "a", new float[][] {{0, 4}}), 2);
            harness.processElement(new ClassFeatures(3, "a", new float[0][]), 3); // no pixels: no update
            List<MemoryUpdate> out = harness.extractOutputValues();
            assertThat(out).extracting(MemoryUpdate::classId).containsExactly(1, 2);
            assertThat(out.get(0).state().vector()).containsExactly(0.5f, 0.5f);
            checkpoint = harness.snapshot(1, 4);
        }
        try (var restored = harness()) {
            restored.initializeState(checkpoint);
            restored.open();
            // class 1 goes on from (0.5, 0.5) after 1 update: summary of (0, 2) is (0, 2), m = 0.818579
            restored.processElement(new ClassFeatures(1, "b", new float[][] {{0, 2}}), 5);
            MemoryUpdate update = restored.extractOutputValues().get(0);
            assertThat(update.state().updates()).isEqualTo(2);
            assertThat(update.state().vector()[0]).isCloseTo(0.5f * 0.181421f, Assertions.within(1e-5f));
            assertThat(update.state().vector()[1])
                    .isCloseTo(0.5f * 0.181421f + 2 * 0.818579f, Assertions.within(1e-5f));
        }
    }

    @Test
    void theBackgroundKeepsSeveralPrototypes() throws Exception {
        try (var harness = harness()) {
            harness.open();
            // Class 0 is the background: its first images each add a prototype (their mean) instead of moving one.
            harness.processElement(new ClassFeatures(0, "a", new float[][] {{1, 0}}), 1);
            harness.processElement(new ClassFeatures(0, "b", new float[][] {{0, 1}}), 2);
            List<MemoryUpdate> out = harness.extractOutputValues();
            assertThat(out.get(1).state().vector()).containsExactly(1f, 0f, 0f, 1f);
            assertThat(out.get(1).state().updates()).isEqualTo(2);
        }
    }
}
