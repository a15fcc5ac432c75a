package io.seedstream.flink.training;

import static org.assertj.core.api.Assertions.assertThat;

import io.seedstream.flink.common.EncodedRecord;
import io.seedstream.records.ModelSnapshotRecord;
import io.seedstream.records.RecordCodec;
import io.seedstream.segmentation.config.SeedStreamConfig;
import io.seedstream.segmentation.data.SyntheticDataset;
import io.seedstream.segmentation.nn.ModelName;
import io.seedstream.segmentation.train.StreamingTrainer;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/** The trainer operator: its pacing rule, and in a test harness its steps, timers and restore. */
class TrainFunctionTest {

    /** While samples arrive, replay on the timer pauses as long as its step took; with none, it runs back to back. */
    @Test
    void replayYieldsToArrivingSamples() {
        assertThat(TrainFunction.pauseAfterTimerStepMs(1200, true)).isEqualTo(1200);
        assertThat(TrainFunction.pauseAfterTimerStepMs(1200, false)).isZero();
    }

    private final SeedStreamConfig config = SeedStreamConfig.defaults()
            .with("synthetic.imageSize", 32)
            .with("backbone.channels", "8,8,16,16,16,16")
            .with("segmenter.channels", "8,8,16,16,16,16")
            .with("affinity.channels", "8")
            .with("trainer.imageWidth", 32)
            .with("trainer.imageHeight", 32)
            .with("trainer.samplesPerStep", 1)
            .with("trainer.publishEverySteps", 1)
            .with("trainer.evalPercent", 0)
            .with("classifier.batchSize", 2);
    private final SyntheticDataset data = new SyntheticDataset(config.synthetic());

    private KeyedOneInputStreamOperatorTestHarness<Integer, StreamingTrainer.Sample, EncodedRecord> harness()
            throws Exception {
        var harness = new KeyedOneInputStreamOperatorTestHarness<>(
                new KeyedProcessOperator<>(new TrainFunction(config, data.classes())),
                sample -> TrainFunction.KEY,
                Types.INT);
        harness.setup();
        return harness;
    }

    private StreamingTrainer.Sample sample(int index) {
        return new StreamingTrainer.Sample(data.image(index), null, index);
    }

    /** The classifier versions published since the last call, with the training step of each. */
    private static List<String> publishedClassifiers(
            KeyedOneInputStreamOperatorTestHarness<Integer, StreamingTrainer.Sample, EncodedRecord> harness)
            throws Exception {
        List<String> published = new ArrayList<>();
        for (EncodedRecord record : harness.extractOutputValues()) {
            ModelSnapshotRecord model = RecordCodec.MODEL_SNAPSHOT.decode(record.value());
            if (model.getName().equals(ModelName.CLASSIFIER.id())) {
                published.add("v" + model.getVersion() + " step " + model.getTrainingStep());
            }
        }
        harness.getOutput().clear();
        return published;
    }

    /**
     * A sample is trained on at once and its version published; with no new samples the timer takes
     * replay steps; a restore resumes the trainer (steps and versions go on from the checkpoint).
     */
    @Test
    void trainsOnSamplesAndOnItsTimerAndResumesFromACheckpoint() throws Exception {
        OperatorSubtaskState checkpoint;
        try (var harness = harness()) {
            harness.open();
            harness.setProcessingTime(0);
            harness.processElement(sample(0), 0);
            assertThat(publishedClassifiers(harness)).containsExactly("v1 step 1");
            assertThat(harness.numProcessingTimeTimers())
                    .as("a replay step is due while none come")
                    .isEqualTo(1);

            harness.setProcessingTime(config.trainer().idleStepIntervalMs());
            assertThat(publishedClassifiers(harness))
                    .as("a replay step on the timer")
                    .containsExactly("v2 step 2");
            checkpoint = harness.snapshot(1, 1);

            harness.processElement(sample(1), 1);
            assertThat(publishedClassifiers(harness))
                    .as("after the checkpoint: lost on a restore")
                    .containsExactly("v3 step 3");
        }
        try (var restored = harness()) {
            restored.initializeState(checkpoint);
            restored.open();
            restored.setProcessingTime(0);
            restored.processElement(sample(1), 1);
            assertThat(publishedClassifiers(restored))
                    .as("the trainer came back at step 2, version 2: it publishes version 3 again")
                    .containsExactly("v3 step 3");
        }
    }
}
