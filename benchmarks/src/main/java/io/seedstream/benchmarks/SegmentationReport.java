package io.seedstream.benchmarks;

import com.google.gson.JsonObject;
import io.seedstream.segmentation.config.SeedStreamConfig;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/** Prints the segmentation benchmark's ablation table and writes it as JSON and CSV. */
public final class SegmentationReport {

    private SegmentationReport() {}

    public static void printTable(SegmentationBenchmark.Result result, PrintStream out) {
        out.printf(
                "%n[%s] Pseudo-labels of the %d training images against their true masks (unlabeled pixels count as misses)%n",
                result.dataset(), result.trainImages());
        header(out, "pseudo-labels");
        result.seeds()
                .forEach((name, s) -> line(
                        out,
                        name
                                + (result.backgroundScores().containsKey(name)
                                        ? String.format(
                                                " (bg %.2f)",
                                                result.backgroundScores().get(name))
                                        : ""),
                        s));
        result.segmenters().forEach((name, r) -> {
            for (int e = 0; e < r.pseudoLabelsByEpoch().size(); e++) {
                line(
                        out,
                        String.format("grown, %s, epoch %d", name.substring(0, 1), e + 1),
                        r.pseudoLabelsByEpoch().get(e));
            }
        });
        out.printf(
                "%n[%s] Segmenter on %d held-out images (most probable class per pixel)%n",
                result.dataset(), result.evalImages());
        out.printf("%-36s | %7s %8s %8s | %-12s | %s%n", "training", "mIoU", "prec", "recall", "share of (f)", "time");
        out.println("-".repeat(36) + "-+-" + "-".repeat(25) + "-+-" + "-".repeat(12) + "-+-" + "-".repeat(6));
        double full = fullMiou(result);
        result.segmenters()
                .forEach((name, r) -> out.printf(
                        "%-36s | %7.3f %8.3f %8.3f | %11.1f%% | %4.0f s%n",
                        r.description(),
                        r.heldOut().miou(),
                        r.heldOut().precision(),
                        r.heldOut().recall(),
                        100 * r.heldOut().miou() / full,
                        r.seconds()));
        out.printf(
                "%nSegmenters trained on: %s (best on the tuning split); rows that grow start from %s (the best seeds there)%n",
                result.bestPseudoLabelRow(), result.seedRow());
        out.printf("Classifier training and pseudo-labels: %.0f s%n", result.classifierSeconds());
        int skipped = result.classifierSkippedSteps()
                + result.affinitySkippedSteps()
                + result.segmenters().values().stream()
                        .mapToInt(r -> r.skippedSteps())
                        .sum();
        if (skipped > 0) {
            out.printf(
                    "Steps skipped for non-finite gradients: classifier %d, affinity head %d, %s%n",
                    result.classifierSkippedSteps(),
                    result.affinitySkippedSteps(),
                    result.segmenters().entrySet().stream()
                            .map(e -> e.getKey() + " " + e.getValue().skippedSteps())
                            .collect(Collectors.joining(", ")));
        }
    }

    private static double fullMiou(SegmentationBenchmark.Result result) {
        SegmentationBenchmark.SegmenterResult full = result.segmenters().get("f-full");
        return full == null ? Double.NaN : full.heldOut().miou();
    }

    private static void header(PrintStream out, String what) {
        out.printf("%-36s | %7s %8s %8s | %s%n", what, "mIoU", "prec", "recall", "labeled");
        out.println("-".repeat(36) + "-+-" + "-".repeat(25) + "-+-" + "-".repeat(8));
    }

    private static void line(PrintStream out, String name, SegmentationBenchmark.Scores s) {
        out.printf(
                "%-36s | %7.3f %8.3f %8.3f | %6.1f%%%n",
                name, s.miou(), s.precision(), s.recall(), 100 * s.labeledShare());
    }

    public static JsonObject toJson(
            SegmentationBenchmark.Result result,
            SeedStreamConfig config,
            SegmentationBenchmark.Options options,
            double wallSeconds) {
        JsonObject json = new JsonObject();
        json.addProperty("benchmark", "segmentation");
        json.addProperty("dataset", result.dataset());
        json.addProperty("train_images", result.trainImages());
        json.addProperty("eval_images", result.evalImages());
        json.add("seeds", BenchmarkReport.GSON.toJsonTree(result.seeds()));
        json.add("background_scores", BenchmarkReport.GSON.toJsonTree(result.backgroundScores()));
        json.addProperty("best_pseudo_label_row", result.bestPseudoLabelRow());
        json.addProperty("seed_row", result.seedRow());
        json.addProperty("classifier_skipped_steps", result.classifierSkippedSteps());
        json.addProperty("affinity_skipped_steps", result.affinitySkippedSteps());
        json.add("segmenters", BenchmarkReport.GSON.toJsonTree(result.segmenters()));
        Map<String, SegmentationBenchmark.SegmenterResult> rows = result.segmenters();
        double bestWeak = rows.entrySet().stream()
                .filter(e -> e.getKey().equals("c-growing") || e.getKey().equals("d-boundary"))
                .mapToDouble(e -> e.getValue().heldOut().miou())
                .max()
                .orElse(Double.NaN);
        if (Double.isFinite(bestWeak / fullMiou(result))) { // both rows were trained
            json.addProperty("weak_share_of_full_miou", bestWeak / fullMiou(result));
        }
        rows.values().stream()
                .filter(r -> !r.pseudoLabelsByEpoch().isEmpty())
                .findFirst()
                .ifPresent(grown -> {
                    double last = grown.pseudoLabelsByEpoch()
                            .get(grown.pseudoLabelsByEpoch().size() - 1)
                            .miou();
                    json.addProperty(
                            "growing_pseudo_label_miou_gain",
                            last - result.seeds().get(result.seedRow()).miou());
                });
        json.addProperty("classifier_seconds", result.classifierSeconds());
        json.add("options", BenchmarkReport.GSON.toJsonTree(options));
        json.add("config", config.toJsonTree());
        json.addProperty("wall_seconds", wallSeconds);
        return json;
    }

    /** One CSV for all data sets run, a row per seed set, grown epoch and segmenter. */
    public static void writeCsv(List<SegmentationBenchmark.Result> results, Path file) throws IOException {
        BenchmarkReport.createParent(file);
        StringBuilder csv = new StringBuilder("dataset,kind,name,epoch,miou,precision,recall,labeled_share\n");
        for (SegmentationBenchmark.Result result : results) {
            String dataset = result.dataset();
            result.seeds().forEach((name, s) -> csv.append(row(dataset, "seeds", name, 0, s)));
            result.segmenters().forEach((name, r) -> {
                for (int e = 0; e < r.pseudoLabelsByEpoch().size(); e++) {
                    csv.append(row(
                            dataset,
                            "grown",
                            name,
                            e + 1,
                            r.pseudoLabelsByEpoch().get(e)));
                }
                csv.append(row(dataset, "segmenter", name, 0, r.heldOut()));
            });
        }
        Files.writeString(file, csv);
    }

    private static String row(String dataset, String kind, String name, int epoch, SegmentationBenchmark.Scores s) {
        return String.format(
                Locale.ROOT,
                "%s,%s,%s,%d,%.4f,%.4f,%.4f,%.4f%n",
                dataset,
                kind,
                name,
                epoch,
                s.miou(),
                s.precision(),
                s.recall(),
                s.labeledShare());
    }
}
