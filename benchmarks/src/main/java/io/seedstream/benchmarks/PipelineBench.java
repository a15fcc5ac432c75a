package io.seedstream.benchmarks;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import com.google.gson.JsonSerializer;
import io.seedstream.embedded.EmbeddedKafka;
import io.seedstream.flink.FlinkCluster;
import io.seedstream.records.ConfigOptions;
import io.seedstream.records.kafka.KafkaConnection;
import io.seedstream.segmentation.config.SeedStreamConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code seedstream bench pipeline}: see {@link PipelineBenchmark}. */
@Command(
        name = "pipeline",
        mixinStandardHelpOptions = true,
        description =
                "Measure the streaming pipeline on an embedded broker and a local Flink cluster: images/s through the "
                        + "localization job at N = 0 (dropout off) and N stochastic passes, image-to-model freshness (median, p95) "
                        + "with both jobs running, the localization job's checkpointed state size as images accumulate, and how "
                        + "well the stream learns: every published segmenter on held-out images against the same segmenter trained "
                        + "offline on the same pseudo-labels for as many steps.")
public final class PipelineBench implements Callable<Integer> {

    @CommandLine.Mixin
    ConfigOptions configOptions = new ConfigOptions();

    @Option(
            names = "--parts",
            split = ",",
            description = "which parts to run, of ${COMPLETION-CANDIDATES} (default all)")
    Set<PipelineBenchmark.Part> parts = PipelineBenchmark.Options.defaults().parts();

    @Option(names = "--images", description = "backlog for the throughput at N = 0 (default ${DEFAULT-VALUE})")
    int images = PipelineBenchmark.Options.defaults().throughputImages();

    @Option(
            names = "--passes",
            split = ",",
            description = "values of N to time (default ${DEFAULT-VALUE}; 0 = dropout off)")
    List<Integer> passes = PipelineBenchmark.Options.defaults().passes();

    @Option(names = "--stochastic-images", description = "backlog for each N > 0 (default ${DEFAULT-VALUE})")
    int stochasticImages = PipelineBenchmark.Options.defaults().stochasticImages();

    @Option(
            names = "--freshness-rate",
            description = "images/s streamed in the freshness run (default ${DEFAULT-VALUE})")
    double freshnessRate = PipelineBenchmark.Options.defaults().freshnessRate();

    @Option(names = "--freshness-seconds", description = "length of the freshness run (default ${DEFAULT-VALUE})")
    int freshnessSeconds = PipelineBenchmark.Options.defaults().freshnessSeconds();

    @Option(
            names = "--state-images",
            description = "images in the state-size run (default ${DEFAULT-VALUE}; small images "
                    + "and a small backbone, which state size does not depend on, so that it finishes in minutes)")
    int stateImages = PipelineBenchmark.Options.defaults().stateImages();

    @Option(names = "--state-rate", description = "images/s streamed in the state-size run (default ${DEFAULT-VALUE})")
    double stateRate = PipelineBenchmark.Options.defaults().stateRate();

    @Option(
            names = "--state-retention-seconds",
            description = "duplicate-id retention in the state-size run (default "
                    + "${DEFAULT-VALUE}; the run should span several windows to show that the state stops growing)")
    int stateRetentionSeconds = PipelineBenchmark.Options.defaults().stateRetentionSeconds();

    @Option(names = "--learning-images", description = "images streamed in the learning run (default ${DEFAULT-VALUE})")
    int learningImages = PipelineBenchmark.Options.defaults().learningImages();

    @Option(names = "--learning-rate", description = "images/s streamed in the learning run (default ${DEFAULT-VALUE})")
    double learningRate = PipelineBenchmark.Options.defaults().learningRate();

    @Option(
            names = "--learning-tail-seconds",
            description = "how long the learning run goes on after its last image " + "(default ${DEFAULT-VALUE})")
    int learningTailSeconds = PipelineBenchmark.Options.defaults().learningTailSeconds();

    @Option(
            names = "--held-out-images",
            description = "held-out images the learning run scores every segmenter on " + "(default ${DEFAULT-VALUE})")
    int heldOutImages = PipelineBenchmark.Options.defaults().heldOutImages();

    @Option(
            names = "--camvid",
            description = "a CamVid root: the learning run streams its train split and scores on its val "
                    + "split, instead of synthetic images")
    Path camvid;

    @Option(
            names = "--learning-from",
            description = "the index of the first image the learning run streams (default ${DEFAULT-VALUE}): the images"
                    + " before it are left for another run, a warm start's donor, say")
    int learningFrom = PipelineBenchmark.Options.defaults().learningFirstImage();

    @Option(
            names = "--no-references",
            negatable = true,
            description = "train the learning run's references (offline, in-process) after the stream (default: yes)")
    boolean references = PipelineBenchmark.Options.defaults().learningReferences();

    @Option(
            names = "--save-models",
            description = "write each model's last published snapshot of the learning run into this directory"
                    + " (<model>.snapshot, what trainer.initFrom reads for a warm start)")
    Path saveModels;

    @Option(
            names = "--compare-with",
            description = "the JSON of an earlier learning run (--out) whose curve the SVG draws beside this run's,"
                    + " against images sent (a warm start against a cold one, say)")
    Path compareWith;

    @Option(
            names = "--mask-every",
            description = "in the learning run, every this many images is sent with its mask "
                    + "(default ${DEFAULT-VALUE}: the demo's mask fraction 0.2)")
    int maskEvery = PipelineBenchmark.Options.defaults().learningMaskEvery();

    @Option(names = "--out", description = "write the results as JSON here")
    Path out;

    @Option(
            names = "--svg",
            description =
                    "draw the learning run (held-out mIoU against time and steps) into this SVG "
                            + "(default: docs/bench/learning-synthetic.svg, or learning-camvid.svg with --camvid, when the learning part runs)")
    Path svg;

    @Override
    public Integer call() throws Exception {
        SeedStreamConfig config = configOptions.load();
        PipelineBenchmark.Options options = new PipelineBenchmark.Options(
                parts,
                images,
                passes,
                stochasticImages,
                freshnessRate,
                freshnessSeconds,
                stateImages,
                stateRate,
                stateRetentionSeconds,
                learningImages,
                learningRate,
                learningTailSeconds,
                heldOutImages,
                camvid,
                learningFrom,
                maskEvery,
                references,
                saveModels);
        if (maskEvery < 1) {
            throw new CommandLine.ParameterException(new CommandLine(this), "--mask-every must be at least 1");
        }
        if (learningFrom < 0) {
            throw new CommandLine.ParameterException(new CommandLine(this), "--learning-from must be at least 0");
        }
        Comparison comparison = compareWith == null ? null : Comparison.read(compareWith);
        long started = System.nanoTime();
        PipelineBenchmark.Result result;
        try (EmbeddedKafka kafka = EmbeddedKafka.start();
                FlinkCluster flink = FlinkCluster.local(0, 4)) {
            result = new PipelineBenchmark(
                            config,
                            options,
                            new Progress(System.err),
                            KafkaConnection.plain(kafka.bootstrapServers()),
                            flink)
                    .run();
        }
        double wallSeconds = (System.nanoTime() - started) / 1e9;
        System.out.println();
        if (!result.throughput().isEmpty()) {
            System.out.println("Localization job throughput (parallelism 1, "
                    + config.synthetic().imageSize() + " px):");
        }
        for (PipelineBenchmark.Throughput t : result.throughput()) {
            System.out.printf(
                    "  N = %-4s %7.2f images/s  (%.3f s per image, %d images)%n",
                    t.passes() == 0 ? "0" : Integer.toString(t.passes()),
                    t.imagesPerSecond(),
                    t.secondsPerImage(),
                    t.images());
        }
        Optional.ofNullable(result.freshness())
                .ifPresent(f -> System.out.printf(
                        "Freshness at %.1f images/s for %d s: median %.1f s, p95 %.1f s, "
                                + "max %.1f s (%d images, %d segmenter versions); trainer state %d B%n",
                        f.inputRate(),
                        f.seconds(),
                        f.medianSeconds(),
                        f.p95Seconds(),
                        f.maxSeconds(),
                        f.images(),
                        f.publications(),
                        f.trainerStateBytes()));
        if (!result.state().isEmpty()) {
            System.out.println("Localization job state (checkpoint state size) by images seeded, duplicate ids kept "
                    + stateRetentionSeconds + " s:");
        }
        result.state()
                .forEach(p ->
                        System.out.printf("  %6d images  %6.0f s  %10d B%n", p.images(), p.seconds(), p.stateBytes()));
        PipelineBenchmark.Learning learning = result.learning();
        if (learning != null) {
            System.out.printf(
                    "Learning: %d images at %.1f images/s, %.0f s, %d segmenter versions; held-out mIoU (%d images) of the "
                            + "last version (step %d) %.3f, best %.3f; offline on the same %d pseudo-labeled images for %d steps %.3f "
                            + "(stream / offline %.2f; %d offline steps skipped); the streaming trainer in-process on the same pseudo-labels in "
                            + "commit order %.3f, a step after each, and %.3f at the stream's pace (the %d the stream trained on); freshness "
                            + "median %.1f s, p95 %.1f s%n",
                    learning.images(),
                    learning.inputRate(),
                    learning.seconds(),
                    learning.curve().size(),
                    learning.heldOutImages(),
                    learning.streamSteps(),
                    learning.streamFinalMiou(),
                    learning.streamBestMiou(),
                    learning.offlineSamples(),
                    learning.streamSteps(),
                    learning.offlineMiou(),
                    learning.streamFinalMiou() / learning.offlineMiou(),
                    learning.offlineSkippedSteps(),
                    learning.inProcessStreamMiou(),
                    learning.pacedInProcessMiou(),
                    learning.curve().stream()
                            .mapToInt(PipelineBenchmark.LearningPoint::newSamples)
                            .sum(),
                    learning.freshnessMedianSeconds(),
                    learning.freshnessP95Seconds());
            if (learning.lastAgainstBestEarlier() != null) {
                System.out.printf(
                        "The last version against the best earlier one (serving gate's test): %s%n",
                        learning.lastAgainstBestEarlier());
            }
            Path chart = svg != null
                    ? svg
                    : Path.of("docs", "bench", camvid == null ? "learning-synthetic.svg" : "learning-camvid.svg");
            writeLearningSvg(learning, out == null ? "this run" : stem(out), comparison, chart);
            System.out.println("Wrote " + chart);
        }
        System.out.printf("Total %.0f s%n", wallSeconds);
        if (out != null) {
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("benchmark", "pipeline");
            json.put("options", options);
            json.put("result", result);
            if (learning != null) { // the keys runs are compared by
                Map<String, Object> keys = new LinkedHashMap<>();
                keys.put("stream_final_miou", learning.streamFinalMiou());
                keys.put("offline_miou", learning.offlineMiou());
                keys.put("in_process_stream_miou", learning.inProcessStreamMiou());
                keys.put("paced_in_process_miou", learning.pacedInProcessMiou());
                if (learning.lastAgainstBestEarlier()
                        != null) { // issue 19's check: the served model does not fall beyond noise
                    keys.put(
                            "best_earlier_miou",
                            learning.lastAgainstBestEarlier().servedMiou());
                    keys.put(
                            "last_minus_best_standard_error",
                            learning.lastAgainstBestEarlier().standardError());
                    keys.put(
                            "last_holds_against_best",
                            learning.lastAgainstBestEarlier().serve());
                }
                keys.put("images", learning.images());
                keys.put("freshness_p95_s", learning.freshnessP95Seconds());
                json.put("learning", keys);
            }
            json.put("wall_seconds", wallSeconds);
            Gson gson = new GsonBuilder()
                    .serializeSpecialFloatingPointValues()
                    .registerTypeHierarchyAdapter(Path.class, (JsonSerializer<Path>)
                            (path, type, context) -> new JsonPrimitive(path.toString()))
                    .create();
            BenchmarkReport.writeJson(gson.toJsonTree(json).getAsJsonObject(), out);
            System.out.println("Wrote " + out);
        }
        return 0;
    }

    /** An earlier learning run's curve, named after its file. */
    record Comparison(String name, List<PipelineBenchmark.LearningPoint> curve) {
        static Comparison read(Path json) {
            try {
                JsonObject learning = JsonParser.parseString(Files.readString(json))
                        .getAsJsonObject()
                        .getAsJsonObject("result")
                        .getAsJsonObject("learning");
                if (learning == null) {
                    throw new IllegalArgumentException("--compare-with " + json + " has no learning run");
                }
                PipelineBenchmark.LearningPoint[] curve =
                        new Gson().fromJson(learning.get("curve"), PipelineBenchmark.LearningPoint[].class);
                return new Comparison(stem(json), List.of(curve));
            } catch (IOException | RuntimeException e) {
                throw new IllegalArgumentException(
                        "--compare-with " + json + ": not the JSON of a learning run (" + e.getMessage() + ")", e);
            }
        }
    }

    private static String stem(Path file) {
        return file.getFileName().toString().replaceFirst("\\.json$", "");
    }

    private static List<double[]> byImagesSent(List<PipelineBenchmark.LearningPoint> curve) {
        return curve.stream()
                .map(p -> new double[] {p.imagesSent(), p.heldOutMiou()})
                .toList();
    }

    /**
     * Held-out mIoU of every published segmenter against wall time and against its step, the offline
     * reference dashed, and against images sent, beside an earlier run's when there is one.
     */
    private static void writeLearningSvg(
            PipelineBenchmark.Learning learning, String name, Comparison comparison, Path file) throws IOException {
        List<PipelineBenchmark.LearningPoint> curve = learning.curve();
        double seconds = curve.get(curve.size() - 1).seconds();
        double steps = learning.streamSteps();
        LineChart.Line stream = new LineChart.Line(
                "stream (published segmenters)",
                LineChart.COLOURS.get(0),
                curve.stream()
                        .map(p -> new double[] {p.seconds(), p.heldOutMiou()})
                        .toList(),
                false);
        LineChart.Line byStep = new LineChart.Line(
                "stream (published segmenters)",
                LineChart.COLOURS.get(0),
                curve.stream()
                        .map(p -> new double[] {p.trainingStep(), p.heldOutMiou()})
                        .toList(),
                false);
        List<LineChart.Line> byTime = new ArrayList<>(List.of(stream));
        List<LineChart.Line> bySteps = new ArrayList<>(List.of(byStep));
        if (!learning.offlineCurve().isEmpty()) { // left out with --no-references
            byTime.add(new LineChart.Line(
                    String.format(Locale.ROOT, "offline, the same pseudo-labels, %.0f steps", steps),
                    LineChart.COLOURS.get(1),
                    List.of(new double[] {0, learning.offlineMiou()}, new double[] {seconds, learning.offlineMiou()}),
                    true));
            bySteps.add(new LineChart.Line(
                    "offline, the same pseudo-labels", LineChart.COLOURS.get(1), learning.offlineCurve(), true));
        }
        LineChart.write(
                List.of(
                        new LineChart.Panel("segmenter held-out mIoU against wall time", "s", seconds, byTime),
                        new LineChart.Panel(
                                "segmenter held-out mIoU against steps", "steps", Math.max(1, steps), bySteps),
                        imagesSentPanel(learning, name, comparison)),
                file);
    }

    private static LineChart.Panel imagesSentPanel(
            PipelineBenchmark.Learning learning, String name, Comparison comparison) {
        List<LineChart.Line> lines = new ArrayList<>();
        lines.add(new LineChart.Line(name, LineChart.COLOURS.get(0), byImagesSent(learning.curve()), false));
        if (comparison != null) {
            lines.add(new LineChart.Line(
                    comparison.name(), LineChart.COLOURS.get(2), byImagesSent(comparison.curve()), false));
        }
        return new LineChart.Panel(
                "segmenter held-out mIoU against images sent", "images", Math.max(1, learning.images()), lines);
    }
}
