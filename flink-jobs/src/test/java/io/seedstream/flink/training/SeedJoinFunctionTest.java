package io.seedstream.flink.training;

import static org.assertj.core.api.Assertions.assertThat;

import io.seedstream.segmentation.config.SeedStreamConfig;
import io.seedstream.segmentation.data.LabeledImage;
import io.seedstream.segmentation.data.SyntheticDataset;
import io.seedstream.segmentation.train.StreamingTrainer;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.operators.co.KeyedCoProcessOperator;
import org.apache.flink.streaming.util.KeyedTwoInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/** The join of images and their seeds in a test harness: either order, a size mismatch, a restore, the retention. */
class SeedJoinFunctionTest {

    private static final Duration RETENTION = Duration.ofMinutes(10);

    private final SyntheticDataset data = new SyntheticDataset(
            SeedStreamConfig.defaults().with("synthetic.imageSize", 16).synthetic());

    private KeyedTwoInputStreamOperatorTestHarness<String, LabeledImage, PseudoLabel, StreamingTrainer.Sample> harness()
            throws Exception {
        var harness = new KeyedTwoInputStreamOperatorTestHarness<>(
                new KeyedCoProcessOperator<>(new SeedJoinFunction(RETENTION)),
                LabeledImage::id,
                PseudoLabel::imageId,
                Types.STRING);
        harness.setup();
        return harness;
    }

    private static PseudoLabel seedsFor(LabeledImage image, int size, byte label) {
        byte[] labels = new byte[size * size];
        Arrays.fill(labels, label);
        return new PseudoLabel(image.id(), size, size, labels);
    }

    /** Each sample as (image id, its pseudo-label's first byte or -1 without one, entry time). */
    private static List<String> described(List<StreamingTrainer.Sample> samples) {
        return samples.stream()
                .map(s -> s.image().id() + " " + (s.pseudoLabel() == null ? -1 : s.pseudoLabel()[0]) + " "
                        + s.timestampMs())
                .toList();
    }

    @Test
    void anImageGoesOnAtOnceAndAgainWithItsSeedsWhicheverArrivesFirst() throws Exception {
        LabeledImage a = data.image(0);
        LabeledImage b = data.image(1);
        try (var harness = harness()) {
            harness.open();
            harness.processElement1(a, 100);
            harness.processElement2(seedsFor(a, 16, (byte) 3), 150);
            harness.processElement2(seedsFor(b, 16, (byte) 4), 160);
            harness.processElement1(b, 200);
            assertThat(described(harness.extractOutputValues()))
                    .as("the image's entry time goes with both of its samples")
                    .containsExactly("train-0 -1 100", "train-0 3 100", "train-1 -1 200", "train-1 4 200");
            assertThat(harness.numKeyedStateEntries())
                    .as("a paired image leaves nothing behind")
                    .isZero();
        }
    }

    @Test
    void seedsOfAnotherSizeAreNotPairedWithTheImage() throws Exception {
        LabeledImage image = data.image(2);
        try (var harness = harness()) {
            harness.open();
            harness.processElement1(image, 100);
            harness.processElement2(seedsFor(image, 8, (byte) 1), 150);
            assertThat(described(harness.extractOutputValues())).containsExactly("train-2 -1 100");
        }
    }

    @Test
    void aHalfWaitsAcrossARestoreAndExpiresAfterTheRetention() throws Exception {
        LabeledImage waiting = data.image(3);
        LabeledImage expiring = data.image(4);
        OperatorSubtaskState checkpoint;
        try (var harness = harness()) {
            harness.open();
            harness.setStateTtlProcessingTime(0);
            harness.processElement1(waiting, 300);
            harness.processElement1(expiring, 400);
            checkpoint = harness.snapshot(1, 1);
        }
        try (var restored = harness()) {
            restored.initializeState(checkpoint);
            restored.open();
            restored.setStateTtlProcessingTime(RETENTION.toMillis() / 2);
            restored.processElement2(seedsFor(waiting, 16, (byte) 2), 500);
            restored.setStateTtlProcessingTime(RETENTION.toMillis() + 1);
            restored.processElement2(seedsFor(expiring, 16, (byte) 5), 600);
            assertThat(described(restored.extractOutputValues()))
                    .as("the image restored with the checkpoint pairs; the one past the retention does not")
                    .containsExactly("train-3 2 300");
        }
    }
}
