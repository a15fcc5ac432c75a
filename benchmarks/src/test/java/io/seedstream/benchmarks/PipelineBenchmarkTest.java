package io.seedstream.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class PipelineBenchmarkTest {

    private static PipelineBenchmark.LearningPoint version(long step, int newSamples) {
        return new PipelineBenchmark.LearningPoint(1, step, 0, 0, 0, null, newSamples);
    }

    /**
     * Worked by hand: five images first trained on by the version at step 10 arrive at steps 0, 2,
     * 4, 6, 8; none by the one at step 20; two by the one at step 30, at steps 20 and 25; the rest never.
     */
    @Test
    void eachImageArrivesInTheStepsOfTheVersionThatFirstTrainedOnIt() {
        List<PipelineBenchmark.LearningPoint> curve = List.of(version(10, 5), version(20, 0), version(30, 2));
        assertThat(IntStream.range(0, 8)
                        .mapToLong(n -> PipelineBenchmark.streamStep(curve, n))
                        .boxed())
                .containsExactly(0L, 2L, 4L, 6L, 8L, 20L, 25L, Long.MAX_VALUE);
    }
}
