package io.seedstream.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LineChartTest {

    @TempDir
    Path folder;

    @Test
    void pointsMapOntoThePanelsAxesAndNonFiniteValuesAreLeftOut() throws Exception {
        // Panel 2 of 2 starts at x = 460; its plot spans x 515..905 (55 in, 15 from the right) and y 335..40.
        // The largest y, 0.1, is the top; x = 10 of maxX 20 is halfway: 515 + 195 = 710.
        LineChart.Line line = new LineChart.Line(
                "run",
                "#123456",
                List.of(new double[] {0, 0}, new double[] {10, 0.1}, new double[] {15, Double.NaN}),
                true);
        LineChart.Panel empty = new LineChart.Panel("first", "s", 1, List.of());
        Path file = folder.resolve("sub/chart.svg");
        LineChart.write(List.of(empty, new LineChart.Panel("second", "steps", 20, List.of(line))), file);
        String svg = Files.readString(file);
        assertThat(svg)
                .startsWith("<svg")
                .contains("width=\"920\"")
                .contains(
                        "<polyline points=\"515.0,335.0 710.0,40.0\" fill=\"none\" stroke=\"#123456\" stroke-width=\"2\" stroke-dasharray=\"6,4\"/>")
                .contains(">20 steps</text>")
                .contains(">second</text>")
                .endsWith("</svg>\n");
    }
}
