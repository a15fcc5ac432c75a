package io.seedstream.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SoakReportTest {

    /** Ten samples 6 minutes apart; in the second half the RSS grows 10 MB an hour. */
    @Test
    void growthIsTheSlopePerHourAfterTheWarmUp() {
        List<SoakBench.Sample> samples = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            double minutes = 6 * i;
            double rss = i < 2 ? 500 + 100 * i : 1000 + 10 * minutes / 60; // a warm-up jump, then 10 MB/h
            double heap = i == 5 ? Double.NaN : 200; // a missing reading is left out
            samples.add(new SoakBench.Sample(minutes, heap, 400, rss, Map.of(), 2L * i, i, 0));
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
}
