package io.seedstream.segmentation.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Map;
import org.junit.jupiter.api.Test;

class WeightAverageTest {

    private static Map<String, float[]> weights(float w, float runningMean) {
        return Map.of("w", new float[] {w}, "runningMean", new float[] {runningMean});
    }

    /** Worked by hand: the mean of 0, 4, 8 is 4 while 1 - 1 / (n + 1) is below the decay; then the decay takes over. */
    @Test
    void theFirstUpdatesAreThePlainMeanThenTheDecayTakesOver() {
        WeightAverage average = new WeightAverage(0.5);
        assertThat(average.values()).isNull();
        average.update(weights(0, 10)); // a = 0: a copy
        average.update(weights(4, 20)); // a = min(0.5, 1/2) = 0.5: (0 + 4) / 2
        assertThat(average.values().get("w")).containsExactly(2f);
        assertThat(average.values().get("runningMean")).containsExactly(15f); // statistics averaged too
        average.update(weights(8, 30)); // a = min(0.5, 2/3) = 0.5: 2 / 2 + 8 / 2, not the mean 4
        assertThat(average.values().get("w")).containsExactly(5f);
        assertThat(average.updates()).isEqualTo(3);

        WeightAverage slow = new WeightAverage(0.9);
        for (float w : new float[] {0, 4, 8}) {
            slow.update(weights(w, 0));
        }
        assertThat(slow.values().get("w")[0]).isCloseTo(4f, within(1e-6f)); // a = 2/3 < 0.9: the plain mean
        slow.update(weights(16, 0)); // a = min(0.9, 3/4) = 0.75: 4 * 0.75 + 16 * 0.25
        assertThat(slow.values().get("w")[0]).isCloseTo(7f, within(1e-6f));
    }

    @Test
    void valuesAreACopyAndResetStartsFromGivenWeights() {
        WeightAverage average = new WeightAverage(0.9);
        average.update(weights(1, 1));
        average.values().get("w")[0] = 100;
        assertThat(average.values().get("w")).containsExactly(1f);

        average.reset(weights(6, 6), 9); // as restored after nine updates: a = min(0.9, 1 - 1/10) = 0.9
        average.update(weights(16, 6));
        assertThat(average.values().get("w")[0]).isCloseTo(7f, within(1e-5f)); // 6 * 0.9 + 16 * 0.1
        assertThat(average.updates()).isEqualTo(10);
    }

    @Test
    void aDecayOutsideZeroToOneIsRefused() {
        assertThatThrownBy(() -> new WeightAverage(1.0)).hasMessageContaining("[0, 1)");
        assertThatThrownBy(() -> new WeightAverage(-0.1)).hasMessageContaining("[0, 1)");
        assertThatThrownBy(() -> new WeightAverage(Double.NaN)).hasMessageContaining("[0, 1)");
    }
}
