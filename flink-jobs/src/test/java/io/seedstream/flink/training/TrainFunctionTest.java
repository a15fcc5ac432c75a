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
import java.util.stream.IntStream;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/** The trainer operator: its pacing rule, and in a test harness its steps, timers and restore. */
class TrainFunctionTest {

    /** With 4 samples a step: a step's worth or more trains; fewer train within a replay step; replay stops at the limit. */
    @Test
    void aStepsWorthTrainsAndFewerTrainWithReplay() {
        assertThat(TrainFunction.next(4, 4, 0, 10)).isEqualTo(TrainFunction.TimerStep.TRAIN);
        assertThat(TrainFunction.next(9, 4, 10, 10)).isEqualTo(TrainFunction.TimerStep.TRAIN);
        assertThat(TrainFunction.next(3, 4, 10, 10))
                .as("new samples train even past the replay limit")
                .isEqualTo(TrainFunction.TimerStep.REPLAY);
        assertThat(TrainFunction.next(0, 4, 9, 10)).isEqualTo(TrainFunction.TimerStep.REPLAY);
        assertThat(TrainFunction.next(0, 4, 10, 10)).isEqualTo(TrainFunction.TimerStep.STOP);
    }

    /** After a step the next timer is an interval on; a replay step while samples arrive pauses as long as it took. */
    @Test
    void replayYieldsToArrivingSamples() {
        assertThat(TrainFunction.pauseAfterMs(TrainFunction.TimerStep.TRAIN, true, 1200, 20))
                .as("a trainer behind its input trains on at once")
                .isEqualTo(20);
        assertThat(TrainFunction.pauseAfterMs(TrainFunction.TimerStep.REPLAY, true, 1200, 20))
                .isEqualTo(1200);
        assertThat(TrainFunction.pauseAfterMs(TrainFunction.TimerStep.REPLAY, false, 1200, 20))
                .as("no input: replay back to back")
                .isEqualTo(20);
        assertThat(TrainFunction.pauseAfterMs(TrainFunction.TimerStep.REPLAY, true, 5, 20))
                .isEqualTo(20);
    }

    private final SeedStreamConfig config = SeedStreamConfig.defaults()
            .with("synthetic.imageSize", 32)
            .with("backbone.channels", "8,8,16,16,16,16")
            .with("segmenter.channels", "8,8,16,16,16,16")
            .with("affinity.channels", "8")
            .with("trainer.shortSide", 32)
            .with("trainer.cropSize", 32)
            .with("trainer.samplesPerStep", 1)
            .with("trainer.publishEverySteps", 1)
            .with("trainer.evalPercent", 0)
            .with("classifier.batchSize", 2);
    private final SyntheticDataset data = new SyntheticDataset(config.synthetic());

    private KeyedOneInputStreamOperatorTestHarness<Integer, StreamingTrainer.Sample, EncodedRecord> harness()
            throws Exception {
        return harness(config);
    }

    private KeyedOneInputStreamOperatorTestHarness<Integer, StreamingTrainer.Sample, EncodedRecord> harness(
            SeedStreamConfig config) throws Exception {
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

    /** The new samples' entry times in each classifier version published since the last call. */
    private static List<List<Long>> classifierSamples(
            KeyedOneInputStreamOperatorTestHarness<Integer, StreamingTrainer.Sample, EncodedRecord> harness)
            throws Exception {
        List<List<Long>> samples = new ArrayList<>();
        for (EncodedRecord record : harness.extractOutputValues()) {
            ModelSnapshotRecord model = RecordCodec.MODEL_SNAPSHOT.decode(record.value());
            if (model.getName().equals(ModelName.CLASSIFIER.id())) {
                samples.add(model.getNewSampleTimestampsMs());
            }
        }
        harness.getOutput().clear();
        return samples;
    }

    /**
     * A sample trains on the next timer; with no new samples the timer takes replay steps, one per
     * timer; a restore resumes the trainer (steps and versions go on from the checkpoint), and the
     * timer restored with it does not start a second chain of steps beside the restored run's own.
     * Processing time jumps by a minute where a step must find the stream quiet: the harness's clock
     * is set by hand, a step's duration (how long quiet takes) is the wall clock's.
     */
    @Test
    void trainsOnSamplesAndOnItsTimerAndResumesFromACheckpoint() throws Exception {
        long interval = config.trainer().idleStepIntervalMs();
        OperatorSubtaskState checkpoint;
        try (var harness = harness()) {
            harness.open();
            harness.setProcessingTime(0);
            harness.processElement(sample(0), 0);
            assertThat(publishedClassifiers(harness)).isEmpty();
            harness.setProcessingTime(interval);
            assertThat(publishedClassifiers(harness)).containsExactly("v1 step 1");
            assertThat(harness.numProcessingTimeTimers())
                    .as("a replay step is due while none come")
                    .isEqualTo(1);

            harness.setProcessingTime(60_000);
            assertThat(publishedClassifiers(harness))
                    .as("one replay step on the timer")
                    .containsExactly("v2 step 2");
            checkpoint = harness.snapshot(1, 1); // with the next replay timer, at 60,040

            harness.processElement(sample(1), 1);
            harness.setProcessingTime(60_000 + interval);
            assertThat(publishedClassifiers(harness))
                    .as("after the checkpoint: lost on a restore")
                    .containsExactly("v3 step 3");
        }
        try (var restored = harness()) {
            restored.initializeState(checkpoint);
            restored.setProcessingTime(0);
            restored.open();
            restored.processElement(sample(1), 1);
            restored.setProcessingTime(interval);
            assertThat(publishedClassifiers(restored))
                    .as("the trainer came back at step 2, version 2: it publishes version 3 again")
                    .containsExactly("v3 step 3");
            restored.setProcessingTime(120_000); // this run's replay timer fires, and the restored one
            assertThat(publishedClassifiers(restored))
                    .as("one replay step: the restored timer is not a second chain")
                    .containsExactly("v4 step 4");
        }
    }

    /** With 3 samples a step, a lone sample does not wait for two more: the next timer's replay step trains it. */
    @Test
    void fewerSamplesThanAStepsTrainInTheNextReplayStep() throws Exception {
        SeedStreamConfig threePerStep = config.with("trainer.samplesPerStep", 3);
        try (var harness = harness(threePerStep)) {
            harness.open();
            harness.setProcessingTime(0);
            harness.processElement(sample(0), 0);
            harness.setProcessingTime(threePerStep.trainer().idleStepIntervalMs());
            assertThat(classifierSamples(harness)).containsExactly(List.of(0L));
        }
    }

    /** A sample held out to score the models is taken in but starts no step. */
    @Test
    void aHeldOutSampleStartsNoStep() throws Exception {
        SeedStreamConfig allHeldOut = config.with("trainer.evalPercent", 99);
        StreamingTrainer.Sample masked = IntStream.range(0, 64)
                .mapToObj(this::sample)
                .filter(s -> StreamingTrainer.isHeldOut(s.image(), allHeldOut.trainer()))
                .findFirst()
                .orElseThrow();
        try (var harness = harness(allHeldOut)) {
            harness.open();
            harness.setProcessingTime(0);
            harness.processElement(masked, 0);
            assertThat(harness.numProcessingTimeTimers()).isZero();
        }
    }

    /**
     * Samples that queue while a step runs train together in the next step, up to a batch (2 here),
     * not one step each with replay between: a trainer that fell behind catches up.
     */
    @Test
    void samplesThatQueuedTrainTogetherUpToABatch() throws Exception {
        long interval = config.trainer().idleStepIntervalMs();
        try (var harness = harness()) {
            harness.open();
            harness.setProcessingTime(0);
            for (int i = 0; i < 3; i++) {
                harness.processElement(sample(i), i);
            }
            harness.setProcessingTime(interval);
            assertThat(classifierSamples(harness)).containsExactly(List.of(0L, 1L));
            harness.setProcessingTime(3 * interval); // a step's timer is an interval on, on the grid
            assertThat(classifierSamples(harness))
                    .as("the third, topped up with replay")
                    .containsExactly(List.of(2L));
        }
    }
}
