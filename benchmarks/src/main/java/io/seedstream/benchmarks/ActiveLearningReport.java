package io.seedstream.benchmarks;

import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import io.seedstream.benchmarks.ActiveLearningBenchmark.Strategy;
import io.seedstream.segmentation.config.SeedStreamConfig;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The active-learning benchmark as a table, JSON, CSV and an SVG plot of mIoU against labels. */
public final class ActiveLearningReport {

    private static final Map<Strategy, String> COLOURS = Map.of(Strategy.ACTIVE, "#d62728", Strategy.RANDOM, "#1f77b4");

    private ActiveLearningReport() {}

    public static void printTable(ActiveLearningBenchmark.Result result, PrintStream out) {
        Map<Strategy, List<double[]>> summary = ActiveLearningBenchmark.summary(result);
        out.printf(
                "%nHeld-out segmenter mIoU against labels, mean ± sd over %d seeds%n",
                result.options().seeds().size());
        out.println("| labels | active | random | active - random |");
        out.println("|---|---|---|---|");
        List<double[]> active = summary.get(Strategy.ACTIVE);
        List<double[]> random = summary.get(Strategy.RANDOM);
        for (int i = 0; i < active.size(); i++) {
            out.printf(
                    Locale.ROOT,
                    "| %.0f | %.3f ± %.3f | %.3f ± %.3f | %+.3f |%n",
                    active.get(i)[0],
                    active.get(i)[1],
                    active.get(i)[2],
                    random.get(i)[1],
                    random.get(i)[2],
                    active.get(i)[1] - random.get(i)[1]);
        }
        double saved = ActiveLearningBenchmark.labelsSaved(summary);
        out.println(
                saved < 0
                        ? "Active selection never reached random's final mIoU."
                        : String.format(
                                Locale.ROOT,
                                "Labels saved by active selection to reach random's final mIoU (%.3f at %d labels): %.1f",
                                random.get(random.size() - 1)[1],
                                result.options().finalBudget(),
                                saved));
    }

    public static JsonObject toJson(
            ActiveLearningBenchmark.Result result, SeedStreamConfig config, double wallSeconds) {
        Gson gson = new Gson();
        JsonObject json = new JsonObject();
        json.addProperty("benchmark", "active-learning");
        json.add("options", gson.toJsonTree(result.options()));
        JsonArray runs = new JsonArray();
        result.runs().forEach(run -> runs.add(gson.toJsonTree(run)));
        json.add("runs", runs);
        Map<Strategy, List<double[]>> curves = ActiveLearningBenchmark.summary(result);
        JsonObject summary = new JsonObject();
        curves.forEach((strategy, rows) -> summary.add(
                strategy.name().toLowerCase(Locale.ROOT),
                gson.toJsonTree(rows.stream()
                        .map(r -> Map.of("labels", r[0], "mean_miou", r[1], "sd_miou", r[2]))
                        .toList())));
        json.add("summary", summary);
        json.addProperty("labels_saved", ActiveLearningBenchmark.labelsSaved(curves));
        json.add("config", config.toJsonTree());
        json.addProperty("wall_seconds", wallSeconds);
        return json;
    }

    public static void writeCsv(ActiveLearningBenchmark.Result result, Path file) throws IOException {
        StringBuilder csv = new StringBuilder("strategy,seed,labels,miou\n");
        result.runs()
                .forEach(run -> run.curve()
                        .forEach(point -> csv.append(String.format(
                                Locale.ROOT,
                                "%s,%d,%d,%.4f%n",
                                run.strategy().name().toLowerCase(Locale.ROOT),
                                run.seed(),
                                point.labels(),
                                point.miou()))));
        write(file, csv.toString());
    }

    /** Mean curves with a band of ± one standard deviation, one colour per strategy. */
    public static void writeSvg(ActiveLearningBenchmark.Result result, Path file) throws IOException {
        Map<Strategy, List<double[]>> summary = ActiveLearningBenchmark.summary(result);
        int width = 640;
        int height = 400;
        int left = 70;
        int right = 20;
        int top = 40;
        int bottom = 50;
        double minX = summary.get(Strategy.ACTIVE).get(0)[0];
        double maxX = result.options().finalBudget();
        double minY = Double.MAX_VALUE;
        double maxY = 0;
        for (List<double[]> rows : summary.values()) {
            for (double[] r : rows) {
                minY = Math.min(minY, r[1] - r[2]);
                maxY = Math.max(maxY, r[1] + r[2]);
            }
        }
        minY = Math.max(0, Math.floor(minY * 20) / 20);
        maxY = Math.ceil(maxY * 20) / 20;
        Scale x = new Scale(minX, maxX, left, width - right);
        Scale y = new Scale(minY, maxY, height - bottom, top);
        StringBuilder svg = new StringBuilder(String.format(
                Locale.ROOT,
                "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" font-family=\"sans-serif\" font-size=\"12\">%n"
                        + "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>%n"
                        + "<text x=\"%d\" y=\"22\" font-size=\"14\">Held-out segmenter mIoU against labels (mean ± sd, %d seeds)</text>%n",
                width,
                height,
                left,
                result.options().seeds().size()));
        for (double tick = minY; tick <= maxY + 1e-9; tick += 0.05) {
            svg.append(String.format(
                    Locale.ROOT,
                    "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>"
                            + "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%.2f</text>%n",
                    left,
                    width - right,
                    y.of(tick),
                    y.of(tick),
                    left - 6,
                    y.of(tick) + 4,
                    tick));
        }
        for (double[] r : summary.get(Strategy.ACTIVE)) {
            svg.append(String.format(
                    Locale.ROOT,
                    "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%.0f</text>%n",
                    x.of(r[0]),
                    height - bottom + 18,
                    r[0]));
        }
        svg.append(String.format(
                Locale.ROOT,
                "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">labeled images</text>%n",
                (left + width - right) / 2,
                height - 10));
        int legend = 0;
        for (Map.Entry<Strategy, List<double[]>> e : summary.entrySet()) {
            String colour = COLOURS.get(e.getKey());
            StringBuilder band = new StringBuilder();
            StringBuilder line = new StringBuilder();
            List<double[]> rows = e.getValue();
            for (double[] r : rows) {
                band.append(String.format(Locale.ROOT, "%.1f,%.1f ", x.of(r[0]), y.of(r[1] + r[2])));
                line.append(String.format(Locale.ROOT, "%.1f,%.1f ", x.of(r[0]), y.of(r[1])));
            }
            for (int i = rows.size() - 1; i >= 0; i--) {
                band.append(String.format(
                        Locale.ROOT, "%.1f,%.1f ", x.of(rows.get(i)[0]), y.of(rows.get(i)[1] - rows.get(i)[2])));
            }
            svg.append(String.format(
                    Locale.ROOT,
                    "<polygon points=\"%s\" fill=\"%s\" fill-opacity=\"0.15\"/>%n",
                    band.toString().trim(),
                    colour));
            svg.append(String.format(
                    Locale.ROOT,
                    "<polyline points=\"%s\" fill=\"none\" stroke=\"%s\" stroke-width=\"2\"/>%n",
                    line.toString().trim(),
                    colour));
            for (double[] r : rows) {
                svg.append(String.format(
                        Locale.ROOT,
                        "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\"/>%n",
                        x.of(r[0]),
                        y.of(r[1]),
                        colour));
            }
            svg.append(String.format(
                    Locale.ROOT,
                    "<line x1=\"%d\" x2=\"%d\" y1=\"%d\" y2=\"%d\" stroke=\"%s\" stroke-width=\"2\"/>"
                            + "<text x=\"%d\" y=\"%d\">%s</text>%n",
                    left + 10,
                    left + 30,
                    top + 12 + legend * 18,
                    top + 12 + legend * 18,
                    colour,
                    left + 36,
                    top + 16 + legend * 18,
                    e.getKey().name().toLowerCase(Locale.ROOT)));
            legend++;
        }
        svg.append("</svg>\n");
        write(file, svg.toString());
    }

    private record Scale(double from, double to, double pixelFrom, double pixelTo) {
        double of(double value) {
            return pixelFrom + (value - from) / (to - from == 0 ? 1 : to - from) * (pixelTo - pixelFrom);
        }
    }

    private static void write(Path file, String text) throws IOException {
        if (file.toAbsolutePath().getParent() != null) {
            Files.createDirectories(file.toAbsolutePath().getParent());
        }
        Files.writeString(file, text);
    }
}
