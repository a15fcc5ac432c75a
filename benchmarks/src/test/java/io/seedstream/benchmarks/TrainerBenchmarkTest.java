package io.seedstream.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.seedstream.segmentation.config.SeedStreamConfig;
import io.seedstream.segmentation.data.ClassList;
import io.seedstream.segmentation.data.LabeledImage;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import org.assertj.core.api.Assertions;
import org.junit.jupiter.api.Test;

class TrainerBenchmarkTest {

    private static final byte IGNORE = (byte) 255;

    @Test
    void idealisedSeedsLeaveTwoPixelsOnEachSideOfABoundaryUnlabeled() {
        // 6 x 1, classes 0 0 0 | 1 1 1: pixels 1..4 have the other class within 2 pixels
        LabeledImage image = new LabeledImage("x", 6, 1, new byte[18], new byte[] {0, 0, 0, 1, 1, 1}, new int[] {1});
        assertThat(TrainerBenchmark.seeds(image)).containsExactly(0, IGNORE, IGNORE, IGNORE, IGNORE, 1);
    }

    @Test
    void aRunCollapsedWhenAModelEndsBelowHalfItsBest() {
        assertThat(TrainerBenchmark.collapsed(List.of(point(1, 0.4, 0.3), point(2, 0.3, 0.3)), 0.12))
                .isFalse();
        assertThat(TrainerBenchmark.collapsed(List.of(point(1, 0.4, 0.3), point(2, 0.19, 0.3)), 0.12))
                .isTrue();
        assertThat(TrainerBenchmark.collapsed(List.of(point(1, 0.4, 0.3), point(2, 0.4, 0.1)), 0.12))
                .isTrue();
        assertThat(TrainerBenchmark.collapsed(List.of(point(1, 0.4, 0.3), point(2, Double.NaN, 0.3)), 0.12))
                .isTrue();
        // background everywhere from the first score on: no best to fall from, still a collapse
        assertThat(TrainerBenchmark.collapsed(List.of(point(1, 0.12, 0.3), point(2, 0.12, 0.3)), 0.12))
                .isTrue();
    }

    private static TrainerBenchmark.Point point(long step, double segmenter, double classifier) {
        return new TrainerBenchmark.Point(step, segmenter, classifier, null, null);
    }

    @Test
    void callingEveryPixelBackgroundScoresTheBackgroundsIouOverTheClasses() {
        // 2 x 2 mask: background, background, class 1, class 2 -> background IoU 2/4, classes 0: mIoU (0.5 + 0 + 0) / 3
        ClassList classes = new ClassList(List.of("bg", "a", "b"), true);
        LabeledImage image = new LabeledImage("x", 2, 2, new byte[12], new byte[] {0, 0, 1, 2}, new int[] {1, 2});
        assertThat(TrainerBenchmark.backgroundOnlyMiou(List.of(image), classes))
                .isCloseTo(0.5 / 3, Assertions.within(1e-9));
    }

    @Test
    void runsTheStreamingTrainerWithEachTermAndScoresItAlongTheWay() {
        SeedStreamConfig config = SeedStreamConfig.defaults()
                .with("synthetic.imageSize", 32)
                .with("trainer.shortSide", 32)
                .with("trainer.cropSize", 32)
                .with("gain.startStep", 1)
                .with("boundary.warmupSteps", 0)
                .with("backbone.channels", "8,8,8,8,8,8")
                .with("segmenter.channels", "8,8,8,8,8,8")
                .with("cam.scales", "1.0")
                .with("classifier.batchSize", 4)
                .with("segmenter.batchSize", 4);
        var options = new TrainerBenchmark.Options(4, 2, 2, 0.5, 4, List.of("base", "gain+boundary"), null);
        List<TrainerBenchmark.Result> soFar = new ArrayList<>();
        TrainerBenchmark.Result result = new TrainerBenchmark(
                        config, options, new Progress(new PrintStream(new ByteArrayOutputStream())))
                .run(soFar::add);
        assertThat(result.complete()).isTrue();
        assertThat(result.runs()).extracting(TrainerBenchmark.Run::name).containsExactly("base", "gain+boundary");
        // after the score at step 2 of each run: base under way; then base done and gain+boundary under way
        assertThat(soFar).allSatisfy(partial -> assertThat(partial.complete()).isFalse());
        assertThat(soFar)
                .extracting(partial -> partial.runs().stream()
                        .map(run -> run.name() + "@" + run.steps())
                        .toList())
                .containsExactly(List.of("base@2"), List.of("base@4", "gain+boundary@2"));
        assertThat(soFar.get(1).runs().get(1).curve())
                .extracting(TrainerBenchmark.Point::step)
                .containsExactly(2L);
        for (TrainerBenchmark.Run run : result.runs()) {
            assertThat(run.curve()).extracting(TrainerBenchmark.Point::step).containsExactly(2L, 4L);
            assertThat(run.curve()).allSatisfy(point -> {
                assertThat(point.segmenterMiou()).isBetween(0.0, 1.0);
                assertThat(point.classifierMiou()).isBetween(0.0, 1.0);
            });
            assertThat(run.skippedSteps()).isZero();
        }
        TrainerBenchmark.Point both = result.runs().get(1).last();
        assertThat(both.classifier().attentionMining()).as("mining from step 1").isPositive();
        assertThat(both.segmenter().boundary()).as("no warm-up").isPositive();
        assertThat(result.runs().get(0).last().classifier().attentionMining()).isZero();
        assertThat(result.runs().get(0).last().segmenter().boundary()).isZero();
        assertThatThrownBy(() -> new TrainerBenchmark(
                        config, new TrainerBenchmark.Options(4, 2, 2, 0.5, 4, List.of("nope"), null), null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unknown run nope");
    }
}
