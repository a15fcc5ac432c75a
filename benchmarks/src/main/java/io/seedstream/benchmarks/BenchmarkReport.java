package io.seedstream.benchmarks;

import com.google.gson.FieldNamingPolicy;
import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import io.seedstream.segmentation.config.SeedStreamConfig;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;
import java.util.Map;

/** Prints the localization benchmark's table and writes it as JSON and CSV. */
public final class BenchmarkReport {

    static final Gson GSON = new GsonBuilder()
            .setFieldNamingPolicy(FieldNamingPolicy.LOWER_CASE_WITH_UNDERSCORES)
            .serializeSpecialFloatingPointValues()
            .setPrettyPrinting()
            .create();

    private BenchmarkReport() {}

    public static void printTable(LocalizationBenchmark.Result result, PrintStream out) {
        if (!result.methods().isEmpty()) {
            printQuality(result, out);
        }
        result.timing().forEach(t -> printTiming(t, out));
        printPaperSizeAndTraining(result, out);
    }

    private static void printQuality(LocalizationBenchmark.Result result, PrintStream out) {
        out.printf(
                "%nLocalization quality on %d held-out synthetic images (unclaimed pixels = background)%n",
                result.evalImages());
        out.printf(
                "%-30s | %-42s | %-33s%n",
                "", String.format("at theta = %.2f", result.theta()), "at each method's best theta");
        out.printf(
                "%-30s | %7s %8s %8s %7s %7s | %5s %7s %8s %8s%n",
                "method", "mIoU", "prec", "recall", "head", "body", "theta", "mIoU", "prec", "recall");
        out.println("-".repeat(30) + "-+-" + "-".repeat(42) + "-+-" + "-".repeat(33));
        for (Map.Entry<String, LocalizationBenchmark.MethodResult> e :
                result.methods().entrySet()) {
            LocalizationBenchmark.MethodResult m = e.getValue();
            out.printf(
                    "%-30s | %7.3f %8.3f %8.3f %7.3f %7.3f | %5.2f %7.3f %8.3f %8.3f%n",
                    e.getKey(),
                    m.miou(),
                    m.precision(),
                    m.recall(),
                    m.headRecall(),
                    m.bodyRecall(),
                    m.bestTheta(),
                    m.bestMiou(),
                    m.bestPrecision(),
                    m.bestRecall());
        }
        out.println("(head, body: share of object-head and object-body pixels claimed by the right class)");
    }

    private static void printPaperSizeAndTraining(LocalizationBenchmark.Result result, PrintStream out) {
        if (result.paperSize() != null) {
            LocalizationBenchmark.PaperSize p = result.paperSize();
            out.printf(
                    "%nPaper size: k = %d, %d x %d features (%d x %d image), s = %d, N = %d, %d classes, %d localized:%n",
                    p.featureChannels(),
                    p.featureSize(),
                    p.featureSize(),
                    p.imageSize(),
                    p.imageSize(),
                    p.windowSize(),
                    p.passes(),
                    p.classes(),
                    p.present());
            out.printf(
                    "  expanded form    %10.1f ms/image (%d passes at a time)%n",
                    p.expandedMsPerImage(), p.expandedPassesPerBatch());
            out.printf(
                    "  factorized form  %10.1f ms/image; %.1f ms/image %d passes at a time%n",
                    p.factorizedMsPerImage(), p.factorizedSameBatchingMsPerImage(), p.expandedPassesPerBatch());
            out.printf(
                    "  factorized speed-up %7.1f x (%.1f x at the same batching)%n",
                    p.speedup(), p.sameBatchingSpeedup());
        }
        if (result.training().isEmpty()) {
            return;
        }
        out.printf(
                "%nTraining (loss = mean of the last 50 steps; accuracy = held-out per-class decisions at p = 0.5)%n");
        result.training()
                .forEach((name, tr) -> out.printf(
                        "  %-18s %5d steps  %6.1f s  loss %.4f  accuracy %.3f%n",
                        name, tr.steps(), tr.seconds(), tr.finalLoss(), tr.heldOutAccuracy()));
    }

    private static void printTiming(LocalizationBenchmark.Timing t, PrintStream out) {
        out.printf(
                "%nN = %d stochastic maps per image (s = %d, feature map %d x %d x %d), Grad-CAM included:%n",
                t.passes(), t.windowSize(), t.featureChannels(), t.featureSize(), t.featureSize());
        out.printf(
                "  factorized form  %10.1f ms/image (%.1f images/s)%n",
                t.factorizedMsPerImage(), 1000 / t.factorizedMsPerImage());
        out.printf("  expanded form    %10.1f ms/image%n", t.expandedMsPerImage());
        out.printf("  per-window form  %10.1f ms/image%n", t.perWindowMsPerImage());
        out.printf(
                "  factorized / expanded speed-up %7.1f x, expanded / per-window %7.1f x%n",
                t.factorizedSpeedup(), t.expansionSpeedup());
    }

    /** One row per form and setting timed: form, s, feature size, channels, N, ms per image. */
    public static void writeTimingCsv(LocalizationBenchmark.Result result, Path file) throws IOException {
        createParent(file);
        StringBuilder csv =
                new StringBuilder("case,form,window_size,feature_size,feature_channels,passes,ms_per_image\n");
        for (LocalizationBenchmark.Timing t : result.timing()) {
            double[] millis = {t.factorizedMsPerImage(), t.expandedMsPerImage(), t.perWindowMsPerImage()};
            String[] forms = {"factorized", "expanded", "per-window"};
            for (int f = 0; f < forms.length; f++) {
                csv.append(String.format(
                        Locale.ROOT,
                        "project model,%s,%d,%d,%d,%d,%.2f%n",
                        forms[f],
                        t.windowSize(),
                        t.featureSize(),
                        t.featureChannels(),
                        t.passes(),
                        millis[f]));
            }
        }
        LocalizationBenchmark.PaperSize p = result.paperSize();
        if (p != null) {
            for (String form : new String[] {"factorized", "expanded"}) {
                csv.append(String.format(
                        Locale.ROOT,
                        "paper size,%s,%d,%d,%d,%d,%.2f%n",
                        form,
                        p.windowSize(),
                        p.featureSize(),
                        p.featureChannels(),
                        p.passes(),
                        form.equals("factorized") ? p.factorizedMsPerImage() : p.expandedMsPerImage()));
            }
        }
        Files.writeString(file, csv);
    }

    public static JsonObject toJson(
            LocalizationBenchmark.Result result,
            SeedStreamConfig config,
            LocalizationBenchmark.Options options,
            double wallSeconds) {
        JsonObject json = new JsonObject();
        json.addProperty("benchmark", "localization");
        json.addProperty("theta", result.theta());
        json.addProperty("eval_images", result.evalImages());
        json.add("methods", GSON.toJsonTree(result.methods()));
        json.add("timing", GSON.toJsonTree(result.timing()));
        result.timing().stream().filter(t -> t.windowSize() == 9).findFirst().ifPresent(t -> {
            json.addProperty("expansion_speedup", t.expansionSpeedup());
            json.addProperty("factorized_speedup", t.factorizedSpeedup());
        });
        if (result.paperSize() != null) {
            json.add("paper_size", GSON.toJsonTree(result.paperSize()));
            json.addProperty("paper_size_factorized_speedup", result.paperSize().speedup());
        }
        LocalizationBenchmark.MethodResult aggregated = result.methods().get("ficklenet");
        LocalizationBenchmark.MethodResult single = result.methods().get("ficklenet-1pass");
        if (aggregated != null && single != null) { // only with N > 1 passes
            json.addProperty("aggregation_miou_gain", aggregated.miou() - single.miou());
        }
        if (aggregated != null) { // not with --timing-only
            json.addProperty(
                    "ficklenet_minus_cam_miou",
                    aggregated.miou() - result.methods().get("cam").miou());
        }
        json.add("training", GSON.toJsonTree(result.training()));
        json.add("options", GSON.toJsonTree(options));
        json.add("config", config.toJsonTree());
        json.addProperty("wall_seconds", wallSeconds);
        return json;
    }

    /** Writes beside the file and moves it into place, so that a benchmark stopped mid-write leaves the last whole file. */
    public static void writeJson(JsonObject json, Path file) throws IOException {
        createParent(file);
        Path partial = file.resolveSibling(file.getFileName() + ".partial");
        Files.writeString(partial, GSON.toJson(json) + "\n");
        Files.move(partial, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    public static void writeCsv(LocalizationBenchmark.Result result, Path file) throws IOException {
        createParent(file);
        StringBuilder csv = new StringBuilder(
                "method,miou,precision,recall,head_recall,body_recall,best_theta,best_miou,best_precision,best_recall\n");
        result.methods()
                .forEach((name, m) -> csv.append(String.format(
                        Locale.ROOT,
                        "%s,%.4f,%.4f,%.4f,%.4f,%.4f,%.2f,%.4f,%.4f,%.4f%n",
                        name,
                        m.miou(),
                        m.precision(),
                        m.recall(),
                        m.headRecall(),
                        m.bodyRecall(),
                        m.bestTheta(),
                        m.bestMiou(),
                        m.bestPrecision(),
                        m.bestRecall())));
        Files.writeString(file, csv);
    }

    static void createParent(Path file) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
    }
}
