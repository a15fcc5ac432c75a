package io.seedstream.benchmarks;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import io.seedstream.segmentation.config.SeedStreamConfig;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.ToDoubleFunction;

/** The trainer benchmark's table, JSON ({@code runs.<name>.*}) and SVG of held-out mIoU over the steps. */
public final class TrainerReport {

    private TrainerReport() {}

    public static void printTable(TrainerBenchmark.Result result, PrintStream out) {
        out.printf(
                "%nStreaming trainer on %s, %d steps, %d new images per step; held-out mIoU on %d images%n",
                result.options().camVid() == null
                        ? "synthetic images"
                        : "CamVid (" + result.options().camVid() + ")",
                result.options().steps(),
                result.options().imagesPerStep(),
                result.options().evalImages());
        out.printf(
                "%-14s | %9s %9s | %9s %9s | %7s %9s | %6s%n",
                "run", "segmenter", "best", "classif.", "best", "skipped", "collapsed", "time");
        out.println("-".repeat(14) + "-+-" + "-".repeat(19) + "-+-" + "-".repeat(19) + "-+-" + "-".repeat(17)
                + "-+-------");
        for (TrainerBenchmark.Run run : result.runs()) {
            out.printf(
                    Locale.ROOT,
                    "%-14s | %9.3f %9.3f | %9.3f %9.3f | %7d %9s | %4.0f s%n",
                    run.name(),
                    run.last().segmenterMiou(),
                    best(run, TrainerBenchmark.Point::segmenterMiou),
                    run.last().classifierMiou(),
                    best(run, TrainerBenchmark.Point::classifierMiou),
                    run.skippedSteps(),
                    run.collapsed() ? "yes" : "no",
                    run.seconds());
        }
        out.println(
                "(segmenter: most probable class per pixel; classifier: confident seeds of its maps, unseeded pixels count as misses)");
    }

    private static double best(TrainerBenchmark.Run run, ToDoubleFunction<TrainerBenchmark.Point> miou) {
        return run.curve().stream()
                .mapToDouble(miou)
                .filter(Double::isFinite)
                .max()
                .orElse(Double.NaN);
    }

    public static JsonObject toJson(TrainerBenchmark.Result result, SeedStreamConfig config, double wallSeconds) {
        JsonObject json = new JsonObject();
        json.addProperty("benchmark", "trainer");
        json.add("options", BenchmarkReport.GSON.toJsonTree(result.options()));
        json.addProperty("complete", result.complete());
        JsonObject runs = new JsonObject();
        for (TrainerBenchmark.Run run : result.runs()) {
            JsonObject r = new JsonObject();
            r.addProperty("gain", run.gain());
            r.addProperty("boundary_loss", run.boundary());
            r.addProperty("steps", run.steps());
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
        LineChart.write(
                List.of(
                        panel(result, "segmenter held-out mIoU", TrainerBenchmark.Point::segmenterMiou),
                        panel(
                                result,
                                "classifier (seeds of its maps) held-out mIoU",
                                TrainerBenchmark.Point::classifierMiou)),
                file);
    }

    private static LineChart.Panel panel(
            TrainerBenchmark.Result result, String title, ToDoubleFunction<TrainerBenchmark.Point> miou) {
        List<LineChart.Line> lines = new ArrayList<>();
        for (int r = 0; r < result.runs().size(); r++) {
            TrainerBenchmark.Run run = result.runs().get(r);
            lines.add(new LineChart.Line(
                    run.name() + (run.collapsed() ? " (collapsed)" : ""),
                    LineChart.COLOURS.get(r % LineChart.COLOURS.size()),
                    run.curve().stream()
                            .map(point -> new double[] {point.step(), miou.applyAsDouble(point)})
                            .toList(),
                    false));
        }
        return new LineChart.Panel(title, "steps", result.options().steps(), lines);
    }
}
