package io.seedstream.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SoakReportTest {

    private static final SoakBench.Trainer NO_TRAINER = new SoakBench.Trainer(-1, -1, -1, -1);

    /** Ten samples 6 minutes apart; in the second half the RSS grows 10 MB an hour. */
    @Test
    void growthIsTheSlopePerHourAfterTheWarmUp() {
        List<SoakBench.Sample> samples = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            double minutes = 6 * i;
            double rss = i < 2 ? 500 + 100 * i : 1000 + 10 * minutes / 60; // a warm-up jump, then 10 MB/h
            double heap = i == 5 ? Double.NaN : 200; // a missing reading is left out
            samples.add(new SoakBench.Sample(minutes, heap, 400, rss, Map.of(), 2L * i, i, 0, NO_TRAINER));
        }
        assertThat(SoakReport.growthPerHour(samples, SoakBench.Sample::residentMb))
                .isCloseTo(10, within(1e-9));
        assertThat(SoakReport.growthPerHour(samples, SoakBench.Sample::heapAfterCollectionMb))
                .isCloseTo(0, within(1e-9));
        assertThat(SoakReport.growthPerHour(samples, s -> s.residentMb() - s.heapCommittedMb()))
                .as("outside the committed heap, all of the RSS's growth")
                .isCloseTo(10, within(1e-9));
        assertThat(SoakReport.growthPerHour(samples, s -> s.imagesSent() - s.seedsCommitted()))
                .as("one more unseeded image every 6 minutes")
                .isCloseTo(10, within(1e-9));
        assertThat(SoakReport.growthPerHour(samples.subList(0, 1), SoakBench.Sample::residentMb))
                .isNaN();
    }

    /**
     * Twelve samples, the second half 2.5 minutes apart at 30 to 42.5 minutes: 100, 200, 120, 200,
     * 140, 200, a trough rising under a peak of 200 in each 5-minute window. The samples' slope
     * follows the troughs' rise; the peaks' slope is 0, and a perfect line has no standard error.
     */
    @Test
    void thePeaksOfEachWindowTellTheSwingsFromGrowth() {
        List<SoakBench.Sample> samples = new ArrayList<>();
        double[] second = {100, 200, 120, 200, 140, 200}; // minutes 30, 32.5, 35, 37.5, 40, 42.5
        for (int i = 0; i < 6; i++) {
            samples.add(new SoakBench.Sample(2.5 * i, 0, 0, 50, Map.of(), 0, 0, 0, NO_TRAINER));
        }
        for (int i = 0; i < 6; i++) {
            samples.add(new SoakBench.Sample(30 + 2.5 * i, 0, 0, second[i], Map.of(), 0, 0, 0, NO_TRAINER));
        }
        SoakReport.Growth peaks = SoakReport.peakGrowthPerHour(samples, SoakBench.Sample::residentMb);
        assertThat(peaks.perHour()).isCloseTo(0, within(1e-9)); // 200 in windows 30-35, 35-40, 40-45
        assertThat(peaks.standardError()).isCloseTo(0, within(1e-9));
        // Raw: x = 0.5 + i / 24 h; the least squares of 100, 200, 120, 200, 140, 200 rise 1920 / 7 MB/h.
        assertThat(SoakReport.growthPerHour(samples, SoakBench.Sample::residentMb))
                .isCloseTo(1920.0 / 7, within(1e-6));
    }

    /** 10 labeled images sent and 8 of them seeded make 18 samples; a trainer that took in 15 owes 3. */
    @Test
    void theTrainersBacklogCountsBothSamplesOfEachImage() {
        SoakBench.Sample sample =
                new SoakBench.Sample(1, 0, 0, 0, Map.of(), 10, 8, 0, new SoakBench.Trainer(15, 5, 1, 900));
        assertThat(SoakReport.trainerBacklog(sample)).isEqualTo(3);
        assertThat(SoakReport.trainerBacklog(new SoakBench.Sample(1, 0, 0, 0, Map.of(), 10, 8, 0, NO_TRAINER)))
                .isNaN();
    }
}
