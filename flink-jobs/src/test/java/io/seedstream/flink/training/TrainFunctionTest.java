package io.seedstream.flink.training;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TrainFunctionTest {

    /** While samples arrive, replay on the timer pauses as long as its step took; with none, it runs back to back. */
    @Test
    void replayYieldsToArrivingSamples() {
        assertThat(TrainFunction.pauseAfterTimerStepMs(1200, true)).isEqualTo(1200);
        assertThat(TrainFunction.pauseAfterTimerStepMs(1200, false)).isZero();
    }
}
