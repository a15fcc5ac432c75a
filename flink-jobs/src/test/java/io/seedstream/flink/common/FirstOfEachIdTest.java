package io.seedstream.flink.common;

import static org.assertj.core.api.Assertions.assertThat;

import io.seedstream.segmentation.data.LabeledImage;
import java.time.Duration;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/** Duplicate ids are dead letters within the retention, and forgotten after it (state does not grow for ever). */
class FirstOfEachIdTest {

    private static IngestStage.Validated image(String id, long offset) {
        LabeledImage image = new LabeledImage(id, 1, 1, new byte[3], null, new int[0]);
        return new IngestStage.Validated(image, new RawMessage("t", 0, offset, null, new byte[0], 0));
    }

    @Test
    void anIdPassesOnceWithinTheRetention() throws Exception {
        var operator =
                new KeyedProcessOperator<>(new IngestStage.FirstOfEachId(Duration.ofHours(1), "test/deduplicate"));
        try (var harness = new KeyedOneInputStreamOperatorTestHarness<>(
                operator, (IngestStage.Validated v) -> v.image().id(), Types.STRING)) {
            harness.open();
            harness.setStateTtlProcessingTime(0);
            harness.processElement(image("a", 1), 0);
            harness.processElement(image("b", 2), 0);
            harness.processElement(image("a", 3), 0); // duplicate
            assertThat(harness.extractOutputValues())
                    .extracting(LabeledImage::id)
                    .containsExactly("a", "b");
            assertThat(harness.getSideOutput(IngestStage.REJECTED))
                    .singleElement()
                    .satisfies(r -> assertThat(r.getValue().reason())
                            .contains("duplicate id 'a'")
                            .contains("t-0@3"));

            harness.setStateTtlProcessingTime(Duration.ofHours(2).toMillis()); // past the retention: "a" is new again
            harness.processElement(image("a", 4), 0);
            assertThat(harness.extractOutputValues())
                    .extracting(LabeledImage::id)
                    .containsExactly("a", "b", "a");
        }
    }
}
