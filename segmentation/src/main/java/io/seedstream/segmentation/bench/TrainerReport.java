package io.seedstream.segmentation.bench;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import io.seedstream.segmentation.config.SeedStreamConfig;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.function.ToDoubleFunction;

/** The trainer benchmark's table, JSON ({@code runs.<name>.*}) and SVG of held-out mIoU over the steps. */
public final class TrainerReport {

    private static final List<String> COLOURS = List.of("#1f77b4", "#d62728", "#2ca02c", "#9467bd");

    private TrainerReport() {}

    public static void printTable(TrainerBenchmark.Result result, PrintStream out) {
        out.printf("%nStreaming trainer, %d steps, %d new images per step; held-out mIoU on %d images%n",
                result.options().steps(), result.options().imagesPerStep(), result.options().evalImages());
        out.printf("%-14s | %9s %9s | %9s %9s | %7s %9s | %6s%n", "run", "segmenter", "best", "classif.", "best", "skipped",
                "collapsed", "time");
        out.println("-".repeat(14) + "-+-" + "-".repeat(19) + "-+-" + "-".repeat(19) + "-+-" + "-".repeat(17) + "-+-------");
        for (TrainerBenchmark.Run run : result.runs()) {
            out.printf(Locale.ROOT, "%-14s | %9.3f %9.3f | %9.3f %9.3f | %7d %9s | %4.0f s%n", run.name(), run.last().segmenterMiou(),
                    best(run, TrainerBenchmark.Point::segmenterMiou), run.last().classifierMiou(),
                    best(run, TrainerBenchmark.Point::classifierMiou), run.skippedSteps(), run.collapsed() ? "yes" : "no", run.seconds());
        }
        out.println("(segmenter: most probable class per pixel; classifier: confident seeds of its maps, unseeded pixels count as misses)");
    }

    private static double best(TrainerBenchmark.Run run, ToDoubleFunction<TrainerBenchmark.Point> miou) {
        return run.curve().stream().mapToDouble(miou).filter(Double::isFinite).max().orElse(Double.NaN);
    }

    public static JsonObject toJson(TrainerBenchmark.Result result, SeedStreamConfig config, double wallSeconds) {
        JsonObject json = new JsonObject();
        json.addProperty("benchmark", "trainer");
        json.add("options", BenchmarkReport.GSON.toJsonTree(result.options()));
        JsonObject runs = new JsonObject();
        for (TrainerBenchmark.Run run : result.runs()) {
            JsonObject r = new JsonObject();
            r.addProperty("gain", run.gain());
            r.addProperty("boundary_loss", run.boundary());
            r.addProperty("skipped_steps", run.skippedSteps());
            r.addProperty("collapsed", run.collapsed());
            r.addProperty("final_heldout_miou", run.last().segmenterMiou());
            r.addProperty("final_classifier_heldout_miou", run.last().classifierMiou());
            r.addProperty("seconds", run.seconds());
            JsonArray curve = new JsonArray();
            run.curve().forEach(point -> curve.add(BenchmarkReport.GSON.toJsonTree(point)));
            r.add("curve", curve);
            runs.add(run.name(), r);
        }
        json.add("runs", runs);
        json.add("config", BenchmarkReport.GSON.toJsonTree(config));
        json.addProperty("wall_seconds", wallSeconds);
        return json;
    }

    /** Two panels, the segmenter's and the classifier's held-out mIoU against steps, one line per run. */
    public static void writeSvg(TrainerBenchmark.Result result, Path file) throws IOException {
        int panelWidth = 460;
        int height = 380;
        StringBuilder svg = new StringBuilder(String.format(Locale.ROOT,
                "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" font-family=\"sans-serif\" font-size=\"12\">%n"
                        + "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>%n", 2 * panelWidth, height));
        panel(svg, result, 0, panelWidth, height, "segmenter held-out mIoU", TrainerBenchmark.Point::segmenterMiou);
        panel(svg, result, panelWidth, panelWidth, height, "classifier (seeds of its maps) held-out mIoU",
                TrainerBenchmark.Point::classifierMiou);
        svg.append("</svg>\n");
        if (file.toAbsolutePath().getParent() != null) {
            Files.createDirectories(file.toAbsolutePath().getParent());
        }
        Files.writeString(file, svg.toString());
    }

    private static void panel(StringBuilder svg, TrainerBenchmark.Result result, int x0, int width, int height, String title,
            ToDoubleFunction<TrainerBenchmark.Point> miou) {
        int left = x0 + 55;
        int right = x0 + width - 15;
        int top = 40;
        int bottom = height - 45;
        double maxY = Math.max(0.1, Math.ceil(result.runs().stream().flatMap(r -> r.curve().stream()).mapToDouble(miou)
                .filter(Double::isFinite).max().orElse(0.1) * 10) / 10);
        double maxX = result.options().steps();
        svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"22\" font-size=\"14\">%s</text>%n", left, title));
        for (double tick = 0; tick <= maxY + 1e-9; tick += 0.1) {
            double y = bottom - tick / maxY * (bottom - top);
            svg.append(String.format(Locale.ROOT, "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>"
                    + "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%.1f</text>%n", left, right, y, y, left - 6, y + 4, tick));
        }
        svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\">0</text><text x=\"%d\" y=\"%d\" text-anchor=\"end\">%.0f steps</text>%n",
                left, bottom + 18, right, bottom + 18, maxX));
        for (int r = 0; r < result.runs().size(); r++) {
            TrainerBenchmark.Run run = result.runs().get(r);
            String colour = COLOURS.get(r % COLOURS.size());
            StringBuilder line = new StringBuilder();
            for (TrainerBenchmark.Point point : run.curve()) {
                if (Double.isFinite(miou.applyAsDouble(point))) {
                    line.append(String.format(Locale.ROOT, "%.1f,%.1f ", left + point.step() / maxX * (right - left),
                            bottom - miou.applyAsDouble(point) / maxY * (bottom - top)));
                }
            }
            svg.append(String.format(Locale.ROOT, "<polyline points=\"%s\" fill=\"none\" stroke=\"%s\" stroke-width=\"2\"/>%n",
                    line.toString().trim(), colour));
            svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" fill=\"%s\">%s%s</text>%n", left + 10, top + 14 + r * 16,
                    colour, run.name(), run.collapsed() ? " (collapsed)" : ""));
        }
    }
}
