package io.seedstream.flink.active;

import static org.assertj.core.api.Assertions.assertThat;

import io.seedstream.flink.common.LiveModels;
import io.seedstream.flink.common.ModelRecords;
import io.seedstream.segmentation.active.Candidate;
import io.seedstream.segmentation.config.SeedStreamConfig;
import io.seedstream.segmentation.data.LabeledImage;
import io.seedstream.segmentation.data.SyntheticDataset;
import java.util.List;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.operators.co.CoBroadcastWithKeyedOperator;
import org.apache.flink.streaming.util.KeyedBroadcastOperatorTestHarness;
import org.junit.jupiter.api.Test;

/** The scorer of unlabeled images in a test harness: the wait for the first classifier, the live versions, a restore. */
class ScoreFunctionTest {

    private final SeedStreamConfig config = SeedStreamConfig.defaults()
            .with("synthetic.imageSize", 32)
            .with("backbone.channels", "8,8,16,16,16,16")
            .with("trainer.shortSide", 32)
            .with("trainer.cropSize", 32);
    private final SyntheticDataset data = new SyntheticDataset(config.synthetic());

    private KeyedBroadcastOperatorTestHarness<String, LabeledImage, byte[], Candidate> harness() throws Exception {
        var operator = new CoBroadcastWithKeyedOperator<>(
                new ScoreFunction(config, data.classes()), List.of(LiveModels.STATE));
        var harness = new KeyedBroadcastOperatorTestHarness<>(operator, LabeledImage::id, Types.STRING, 1, 1, 0);
        harness.setup();
        return harness;
    }

    @Test
    void anImageWaitsForTheFirstClassifierAndIsScoredWithItsVersionOnItsTimer() throws Exception {
        LabeledImage image = data.image(5);
        try (var harness = harness()) {
            harness.open();
            harness.setProcessingTime(0);
            harness.processElement(image, 1);
            harness.setProcessingTime(5_000);
            assertThat(harness.extractOutputValues())
                    .as("no classifier yet: it waits")
                    .isEmpty();

            harness.processBroadcastElement(ModelRecords.initialClassifier(config, data.classes(), 3, 7), 2);
            harness.setProcessingTime(6_000);
            List<Candidate> out = harness.extractOutputValues();
            assertThat(out).hasSize(1);
            assertThat(out.get(0).imageId()).isEqualTo(image.id());
            assertThat(out.get(0).modelVersion()).isEqualTo(3);
            assertThat(out.get(0).arrivedAtMs())
                    .as("scored when its timer released it")
                    .isEqualTo(6_000);
            assertThat(out.get(0).segmenterEntropy())
                    .as("no segmenter yet: not scored")
                    .isNaN();
            assertThat(out.get(0).uncertainty()).isFinite();

            harness.setProcessingTime(20_000);
            assertThat(harness.extractOutputValues()).as("scored once").hasSize(1);
        }
    }

    @Test
    void theLiveModelsComeBackWithACheckpointAndScoreAtOnce() throws Exception {
        OperatorSubtaskState checkpoint;
        try (var harness = harness()) {
            harness.open();
            harness.processBroadcastElement(ModelRecords.initialClassifier(config, data.classes(), 1, 7), 1);
            harness.processBroadcastElement(ModelRecords.initialClassifier(config, data.classes(), 2, 8), 2);
            harness.processBroadcastElement(ModelRecords.initialSegmenter(config, data.classes(), 1, 9), 3);
            checkpoint = harness.snapshot(1, 4);
        }
        try (var restored = harness()) {
            restored.initializeState(checkpoint);
            restored.open();
            restored.setProcessingTime(100);
            restored.processElement(data.image(6), 5);
            List<Candidate> out = restored.extractOutputValues();
            assertThat(out).hasSize(1);
            assertThat(out.get(0).modelVersion()).as("the newest classifier").isEqualTo(2);
            assertThat(out.get(0).segmenterEntropy())
                    .as("the segmenter came back too")
                    .isFinite();
            assertThat(out.get(0).arrivedAtMs()).isEqualTo(100);
        }
    }

    /** A message that is no snapshot, or an older version than the live one, changes nothing. */
    @Test
    void aBrokenOrOlderModelLeavesTheLiveOne() throws Exception {
        try (var harness = harness()) {
            harness.open();
            harness.processBroadcastElement(ModelRecords.initialClassifier(config, data.classes(), 4, 7), 1);
            harness.processBroadcastElement(new byte[] {1, 2, 3}, 2);
            harness.processBroadcastElement(ModelRecords.initialClassifier(config, data.classes(), 2, 8), 3);
            harness.processElement(data.image(7), 4);
            assertThat(harness.extractOutputValues())
                    .extracting(Candidate::modelVersion)
                    .containsExactly(4L);
        }
    }
}
