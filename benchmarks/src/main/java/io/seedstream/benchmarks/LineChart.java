package io.seedstream.benchmarks;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/** Benchmarks' line charts as plain SVG: panels side by side, each with lines of (x, y) points and y from 0. */
public final class LineChart {

    /** One line: points (x, y) in order; non-finite y values are left out. */
    public record Line(String name, String colour, List<double[]> points, boolean dashed) {}

    /** One panel: its title, the x axis's unit, the largest x shown, and its lines. */
    public record Panel(String title, String xUnit, double maxX, List<Line> lines) {}

    public static final List<String> COLOURS = List.of("#1f77b4", "#d62728", "#2ca02c", "#9467bd");

    private static final int PANEL_WIDTH = 460;
    private static final int HEIGHT = 380;

    private LineChart() {}

    /** Writes the panels side by side into an SVG file (its folder created if need be). */
    public static void write(List<Panel> panels, Path file) throws IOException {
        StringBuilder svg = new StringBuilder(String.format(
                Locale.ROOT,
                "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" font-family=\"sans-serif\" font-size=\"12\">%n"
                        + "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>%n",
                panels.size() * PANEL_WIDTH,
                HEIGHT));
        for (int p = 0; p < panels.size(); p++) {
            panel(svg, panels.get(p), p * PANEL_WIDTH);
        }
        svg.append("</svg>\n");
        if (file.toAbsolutePath().getParent() != null) {
            Files.createDirectories(file.toAbsolutePath().getParent());
        }
        Files.writeString(file, svg.toString());
    }

    /**
     * The spacing of the y axis's grid: 0.1 up to 1 (scores), else 1, 2 or 5 times a power of ten, for
     * five or so lines (megabytes, counts).
     */
    static double tickStep(double highest) {
        if (highest <= 1) {
            return 0.1;
        }
        double rough = highest / 5;
        double power = Math.pow(10, Math.floor(Math.log10(rough)));
        double mantissa = rough / power;
        return (mantissa <= 1 ? 1 : mantissa <= 2 ? 2 : mantissa <= 5 ? 5 : 10) * power;
    }

    private static void panel(StringBuilder svg, Panel panel, int x0) {
        int left = x0 + 55;
        int right = x0 + PANEL_WIDTH - 15;
        int top = 40;
        int bottom = HEIGHT - 45;
        double highest = panel.lines().stream()
                .flatMap(line -> line.points().stream())
                .mapToDouble(p -> p[1])
                .filter(Double::isFinite)
                .max()
                .orElse(0.1);
        double step = tickStep(highest);
        double maxY = Math.max(step, Math.ceil(highest / step - 1e-9) * step);
        double maxX = panel.maxX();
        svg.append(String.format(
                Locale.ROOT, "<text x=\"%d\" y=\"22\" font-size=\"14\">%s</text>%n", left, panel.title()));
        String label = step >= 1 ? "%.0f" : "%.1f";
        for (double tick = 0; tick <= maxY + step * 1e-6; tick += step) {
            double y = bottom - tick / maxY * (bottom - top);
            svg.append(String.format(
                    Locale.ROOT,
                    "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>"
                            + "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">" + label + "</text>%n",
                    left,
                    right,
                    y,
                    y,
                    left - 6,
                    y + 4,
                    tick));
        }
        svg.append(String.format(
                Locale.ROOT,
                "<text x=\"%d\" y=\"%d\">0</text><text x=\"%d\" y=\"%d\" text-anchor=\"end\">%.0f %s</text>%n",
                left,
                bottom + 18,
                right,
                bottom + 18,
                maxX,
                panel.xUnit()));
        for (int l = 0; l < panel.lines().size(); l++) {
            Line line = panel.lines().get(l);
            StringBuilder points = new StringBuilder();
            for (double[] point : line.points()) {
                if (Double.isFinite(point[1])) {
                    points.append(String.format(
                            Locale.ROOT,
                            "%.1f,%.1f ",
                            left + point[0] / maxX * (right - left),
                            bottom - point[1] / maxY * (bottom - top)));
                }
            }
            svg.append(String.format(
                    Locale.ROOT,
                    "<polyline points=\"%s\" fill=\"none\" stroke=\"%s\" stroke-width=\"2\"%s/>%n",
                    points.toString().trim(),
                    line.colour(),
                    line.dashed() ? " stroke-dasharray=\"6,4\"" : ""));
            svg.append(String.format(
                    Locale.ROOT,
                    "<text x=\"%d\" y=\"%d\" fill=\"%s\">%s</text>%n",
                    left + 10,
                    top + 14 + l * 16,
                    line.colour(),
                    line.name()));
        }
    }
}
