package io.seedstream.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LineChartTest {

    @Test
    void theGridIsTenthsForScoresAndAFewRoundStepsForLargerValues(@TempDir Path dir) throws Exception {
        assertThat(LineChart.tickStep(0.7)).isEqualTo(0.1);
        assertThat(LineChart.tickStep(9500)).isEqualTo(2000); // 1900 a line rounds up to 2000
        assertThat(LineChart.tickStep(36)).isEqualTo(10); // 7.2 rounds up to 10
        assertThat(LineChart.tickStep(3)).isEqualTo(1);

        Path file = dir.resolve("memory.svg");
        LineChart.write(
                List.of(new LineChart.Panel(
                        "memory (MB)",
                        "minutes",
                        60,
                        List.of(new LineChart.Line(
                                "resident",
                                "#1f77b4",
                                List.of(new double[] {0, 2263}, new double[] {60, 9485}),
                                false)))),
                file);
        String svg = Files.readString(file);
        assertThat(svg.split("stroke=\"#ddd\"", -1).length - 1)
                .as("grid lines 0, 2000, ..., 10000 (the soak's plot once had 95,000)")
                .isEqualTo(6);
        assertThat(svg).contains(">10000</text>").doesNotContain(">0.1</text>");
    }
}
