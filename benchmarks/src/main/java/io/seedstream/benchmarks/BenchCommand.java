package io.seedstream.benchmarks;

import com.google.gson.JsonObject;
import io.seedstream.cli.PluggedCommand;
import io.seedstream.records.ConfigOptions;
import io.seedstream.segmentation.config.SeedStreamConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code ./seedstream bench}: every benchmark, each printing its table and writing JSON (and plots) on request. */
@Command(
        name = "bench",
        mixinStandardHelpOptions = true,
        description = "Run a benchmark and print its table.",
        subcommands = {
            BenchCommand.Localization.class,
            BenchCommand.Segmentation.class,
            BenchCommand.Trainer.class,
            BenchCommand.ActiveLearning.class,
            PipelineBench.class,
            ServerBench.class,
            SoakBench.class,
            FaultBench.class
        })
public final class BenchCommand implements Runnable, PluggedCommand {

    @Override
    public String name() {
        return "bench";
    }

    @Override
    public void run() {
        CommandLine.usage(this, System.out);
    }

    @Command(
            name = "localization",
            mixinStandardHelpOptions = true,
            description = "Train classifiers on synthetic data on the CPU, then score CAM, Grad-CAM, FickleNet, ReCAM, "
                    + "GAIN and FickleNet+ReCAM maps against the true masks, and time FickleNet's factorized, expanded and "
                    + "per-window forms, on the project's model and at the paper's size.")
    static final class Localization implements Callable<Integer> {
        @CommandLine.Mixin
        ConfigOptions config = new ConfigOptions();

        @Option(
                names = "--steps",
                description = "BCE training steps of each base classifier (default: ${DEFAULT-VALUE})")
        int steps = LocalizationBenchmark.Options.defaults().trainSteps();

        @Option(names = "--fine-tune-steps", description = "further steps per method (default: ${DEFAULT-VALUE})")
        int fineTuneSteps = LocalizationBenchmark.Options.defaults().fineTuneSteps();

        @Option(
                names = "--recam-steps",
                description = "ReCAM fine-tuning steps after the classifier's (default: ${DEFAULT-VALUE})")
        int reCamSteps = SegmentationBenchmark.Options.defaults().reCamSteps();

        @Option(
                names = "--tuning-images",
                description = "masked images, apart from the scored ones, on which thresholds "
                        + "are chosen (default: ${DEFAULT-VALUE})")
        int tuningImages = SegmentationBenchmark.Options.defaults().tuningImages();

        @Option(
                names = "--skip-today-row",
                description = "leave out the first row (today's output-stride-8 classifier, " + "trained only for it)")
        boolean skipTodayRow;

        @Option(
                names = "--ficklenet-passes",
                description = "FickleNet's stochastic passes N for its row " + "(default: ${DEFAULT-VALUE})")
        int ficklenetPasses = SegmentationBenchmark.Options.defaults().ficklenetPasses();

        @Option(
                names = "--sheet",
                paramLabel = "FILE.png",
                description = "draw the first training images' pseudo-labels "
                        + "stage by stage into this PNG ({dataset} in the name is replaced by the data set's name)")
        String sheet;

        @Option(names = "--train-images", description = "synthetic training images (default: ${DEFAULT-VALUE})")
        int trainImages = LocalizationBenchmark.Options.defaults().trainImages();

        @Option(names = "--eval-images", description = "held-out images scored (default: ${DEFAULT-VALUE})")
        int evalImages = LocalizationBenchmark.Options.defaults().evalImages();

        @Option(names = "--timing-images", description = "images timed per form (default: ${DEFAULT-VALUE})")
        int timingImages = LocalizationBenchmark.Options.defaults().timingImages();

        @Option(
                names = "--timing-only",
                description = "only time the forms of FickleNet's stochastic maps (minutes, not an hour)")
        boolean timingOnly;

        @Option(names = "--out", description = "write the results as JSON here (and as CSVs beside it)")
        Path out;

        @Override
        public Integer call() throws Exception {
            SeedStreamConfig effective = config.load();
            var options = new LocalizationBenchmark.Options(
                    steps, fineTuneSteps, trainImages, evalImages, timingImages, timingOnly);
            long started = System.nanoTime();
            var result = new LocalizationBenchmark(effective, options, new Progress(System.err)).run();
            double wallSeconds = (System.nanoTime() - started) / 1e9;
            BenchmarkReport.printTable(result, System.out);
            System.out.printf("%nTotal %.0f s%n", wallSeconds);
            if (out != null) {
                BenchmarkReport.writeJson(BenchmarkReport.toJson(result, effective, options, wallSeconds), out);
                BenchmarkReport.writeCsv(result, csvBeside(out));
                Path timingCsv = beside(out, "-timing.csv");
                BenchmarkReport.writeTimingCsv(result, timingCsv);
                System.out.println("Wrote " + out + ", " + csvBeside(out) + " and " + timingCsv);
            }
            return 0;
        }
    }

    @Command(
            name = "segmentation",
            mixinStandardHelpOptions = true,
            description =
                    "Pseudo-labels stage by stage (class maps at stride 8 and 4, multi-scale and flip, FickleNet, "
                            + "ReCAM, confident seeds, CRF, affinity walk, region growing) on synthetic data on the CPU, and "
                            + "segmenters trained six ways on the best of them, from the seed loss alone to full masks.")
    static final class Segmentation implements Callable<Integer> {
        @CommandLine.Mixin
        ConfigOptions config = new ConfigOptions();

        @Option(
                names = "--classifier-steps",
                description = "training steps of the classifier (default: ${DEFAULT-VALUE})")
        int classifierSteps = SegmentationBenchmark.Options.defaults().classifierSteps();

        @Option(
                names = "--recam-steps",
                description = "ReCAM fine-tuning steps after the classifier's (default: ${DEFAULT-VALUE})")
        int reCamSteps = SegmentationBenchmark.Options.defaults().reCamSteps();

        @Option(
                names = "--tuning-images",
                description = "masked images, apart from the scored ones, on which thresholds "
                        + "are chosen (default: ${DEFAULT-VALUE})")
        int tuningImages = SegmentationBenchmark.Options.defaults().tuningImages();

        @Option(
                names = "--skip-today-row",
                description = "leave out the first row (today's output-stride-8 classifier, " + "trained only for it)")
        boolean skipTodayRow;

        @Option(
                names = "--ficklenet-passes",
                description = "FickleNet's stochastic passes N for its row " + "(default: ${DEFAULT-VALUE})")
        int ficklenetPasses = SegmentationBenchmark.Options.defaults().ficklenetPasses();

        @Option(
                names = "--sheet",
                paramLabel = "FILE.png",
                description = "draw the first training images' pseudo-labels "
                        + "stage by stage into this PNG ({dataset} in the name is replaced by the data set's name)")
        String sheet;

        @Option(names = "--train-images", description = "synthetic training images (default: ${DEFAULT-VALUE})")
        int trainImages = SegmentationBenchmark.Options.defaults().trainImages();

        @Option(names = "--eval-images", description = "held-out images scored (default: ${DEFAULT-VALUE})")
        int evalImages = SegmentationBenchmark.Options.defaults().evalImages();

        @Option(
                names = "--pixel-labeled",
                description = "share of training images with a pixel mask in row (e) " + "(default: ${DEFAULT-VALUE})")
        double pixelLabeled = SegmentationBenchmark.Options.defaults().pixelLabeledFraction();

        @Option(
                names = "--segmenters",
                split = ",",
                paramLabel = "ROWS",
                description = "segmenter rows to train, by letter "
                        + "(e.g. c,d,f); 'none' for the pseudo-label stages alone (default: a,b,c,d,e,f)")
        List<String> segmenters = List.of("a", "b", "c", "d", "e", "f");

        @Option(
                names = "--camvid",
                paramLabel = "DIR",
                description = "also run rows (d), (e), (f) on CamVid (SegNet's "
                        + "layout: train/, trainannot/, val/, valannot/), e.g. ../shared/datasets/camvid")
        Path camVid;

        @Option(
                names = "--camvid-size",
                paramLabel = "WxH",
                description = "CamVid images are scaled to this size " + "(default: ${DEFAULT-VALUE})")
        String camVidSize = "120x90";

        @Option(names = "--out", description = "write the results as JSON here (and as CSV beside it)")
        Path out;

        @Override
        public Integer call() throws Exception {
            SeedStreamConfig effective = config.load();
            if (pixelLabeled < 0 || pixelLabeled > 1) {
                throw new IllegalArgumentException("--pixel-labeled must be in [0, 1], was " + pixelLabeled);
            }
            if (!camVidSize.matches("\\d+x\\d+")) {
                throw new IllegalArgumentException("--camvid-size must look like 120x90, was " + camVidSize);
            }
            List<String> letters = List.of("a", "b", "c", "d", "e", "f");
            if (!segmenters.equals(List.of("none")) && !letters.containsAll(segmenters)) {
                throw new IllegalArgumentException("--segmenters takes row letters a to f, or none; was " + segmenters);
            }
            var options = new SegmentationBenchmark.Options(
                    classifierSteps,
                    reCamSteps,
                    trainImages,
                    evalImages,
                    tuningImages,
                    pixelLabeled,
                    !skipTodayRow,
                    ficklenetPasses,
                    sheet);
            Progress progress = new Progress(System.err);
            long started = System.nanoTime();
            SegmentationBenchmark.Data camVidData = null;
            if (camVid != null) { // read first: a wrong path should not wait for the synthetic rows
                String[] size = camVidSize.split("x");
                try {
                    camVidData = SegmentationBenchmark.camVid(
                            camVid, Integer.parseInt(size[0]), Integer.parseInt(size[1]), System.err);
                } catch (IOException e) {
                    throw new IllegalArgumentException("cannot read CamVid at " + camVid + ": " + e.getMessage(), e);
                }
            }
            List<SegmentationBenchmark.Result> results = new ArrayList<>();
            results.add(new SegmentationBenchmark(
                            effective, SegmentationBenchmark.synthetic(effective, options, progress), options, progress)
                    .run(chosen(SegmentationBenchmark.rows(pixelLabeled))));
            if (camVidData != null) {
                results.add(new SegmentationBenchmark(effective, camVidData, options, progress)
                        .run(chosen(SegmentationBenchmark.semiSupervisedRows(pixelLabeled))));
            }
            double wallSeconds = (System.nanoTime() - started) / 1e9;
            results.forEach(result -> SegmentationReport.printTable(result, System.out));
            System.out.printf("%nTotal %.0f s%n", wallSeconds);
            if (out != null) {
                JsonObject json = SegmentationReport.toJson(results.get(0), effective, options, wallSeconds);
                if (results.size() > 1) {
                    JsonObject camVidJson = SegmentationReport.toJson(results.get(1), effective, options, wallSeconds);
                    camVidJson.remove("config");
                    json.add("camvid", camVidJson);
                }
                BenchmarkReport.writeJson(json, out);
                SegmentationReport.writeCsv(results, csvBeside(out));
                System.out.println("Wrote " + out + " and " + csvBeside(out));
            }
            return 0;
        }

        /** The rows asked for by {@code --segmenters} (a row's name starts with its letter). */
        private List<SegmentationBenchmark.Row> chosen(List<SegmentationBenchmark.Row> rows) {
            return rows.stream()
                    .filter(row -> segmenters.contains(row.name().substring(0, 1)))
                    .toList();
        }
    }

    @Command(
            name = "trainer",
            mixinStandardHelpOptions = true,
            description =
                    "The streaming trainer over a long run on synthetic images (or CamVid's) and idealised seeds, with GAIN's "
                            + "attention mining and DSRG's boundary loss each on and off: held-out mIoU over the steps, skipped "
                            + "steps, collapse; a table, JSON and an SVG plot.")
    static final class Trainer implements Callable<Integer> {
        @CommandLine.Mixin
        ConfigOptions config = new ConfigOptions();

        @Option(names = "--steps", description = "trainer steps per run (default: ${DEFAULT-VALUE})")
        int steps = TrainerBenchmark.Options.defaults().steps();

        @Option(names = "--eval-every", description = "steps between held-out scores (default: ${DEFAULT-VALUE})")
        int evalEvery = TrainerBenchmark.Options.defaults().evalEvery();

        @Option(
                names = "--images-per-step",
                description = "new images entering the stream before each step " + "(default: ${DEFAULT-VALUE})")
        int imagesPerStep = TrainerBenchmark.Options.defaults().imagesPerStep();

        @Option(
                names = "--mask-fraction",
                description = "share of images that come with their mask (default: ${DEFAULT-VALUE})")
        double maskFraction = TrainerBenchmark.Options.defaults().maskFraction();

        @Option(names = "--eval-images", description = "held-out images scored (default: ${DEFAULT-VALUE})")
        int evalImages = TrainerBenchmark.Options.defaults().evalImages();

        @Option(
                names = "--runs",
                split = ",",
                description = "runs, of base, gain, boundary, gain+boundary (default: all)")
        List<String> runs = TrainerBenchmark.Options.defaults().runs();

        @Option(
                names = "--camvid",
                paramLabel = "DIR",
                description =
                        "stream CamVid's train photos (over and over, at the "
                                + "trainer's working size, their seeds from the masks) and hold out its val photos, instead of synthetic images")
        Path camVid;

        @Option(names = "--out", description = "write the results as JSON here")
        Path out;

        @Option(names = "--svg", description = "draw held-out mIoU against steps into this SVG (default: beside --out)")
        Path svg;

        @Override
        public Integer call() throws Exception {
            SeedStreamConfig effective = config.load();
            var options = new TrainerBenchmark.Options(
                    steps,
                    evalEvery,
                    imagesPerStep,
                    maskFraction,
                    evalImages,
                    runs,
                    camVid == null ? null : camVid.toString());
            long started = System.nanoTime();
            Path plot = svg != null ? svg : out == null ? null : beside(out, ".svg");
            TrainerBenchmark.Result result = new TrainerBenchmark(effective, options, new Progress(System.err))
                    .run(
                            soFar -> { // a run of hours that is stopped keeps its scores so far ("complete": false)
                                try {
                                    write(soFar, effective, (System.nanoTime() - started) / 1e9, plot);
                                } catch (IOException e) {
                                    throw new UncheckedIOException(e);
                                }
                            });
            double wallSeconds = (System.nanoTime() - started) / 1e9;
            TrainerReport.printTable(result, System.out);
            System.out.printf("%nTotal %.0f s%n", wallSeconds);
            write(result, effective, wallSeconds, plot);
            if (out != null) {
                System.out.println("Wrote " + out);
            }
            if (plot != null) {
                System.out.println("Wrote " + plot);
            }
            return 0;
        }

        private void write(TrainerBenchmark.Result result, SeedStreamConfig effective, double wallSeconds, Path plot)
                throws IOException {
            if (out != null) {
                BenchmarkReport.writeJson(TrainerReport.toJson(result, effective, wallSeconds), out);
            }
            if (plot != null) {
                TrainerReport.writeSvg(result, plot);
            }
        }
    }

    @Command(
            name = "active-learning",
            mixinStandardHelpOptions = true,
            description = "Active against random selection at the same labeling budget on synthetic data: held-out "
                    + "segmenter mIoU against labels over several seeds, as a table, JSON, CSV and an SVG plot.")
    static final class ActiveLearning implements Callable<Integer> {
        @CommandLine.Mixin
        ConfigOptions config = new ConfigOptions();

        private static final ActiveLearningBenchmark.Options DEFAULTS = ActiveLearningBenchmark.Options.defaults();

        @Option(names = "--seeds", split = ",", description = "one run per strategy and seed (default: 1,2,3)")
        List<Long> seeds = DEFAULTS.seeds();

        @Option(
                names = "--pool-images",
                description = "unlabeled synthetic images to choose from (default: ${DEFAULT-VALUE})")
        int poolImages = DEFAULTS.poolImages();

        @Option(names = "--eval-images", description = "held-out images scored (default: ${DEFAULT-VALUE})")
        int evalImages = DEFAULTS.evalImages();

        @Option(
                names = "--initial-labels",
                description = "random labels both strategies start from (default: ${DEFAULT-VALUE})")
        int initialLabels = DEFAULTS.initialLabels();

        @Option(names = "--batch", description = "labels asked per round (default: ${DEFAULT-VALUE})")
        int batch = DEFAULTS.batch();

        @Option(names = "--rounds", description = "rounds of asking (default: ${DEFAULT-VALUE})")
        int rounds = DEFAULTS.rounds();

        @Option(names = "--classifier-steps", description = "classifier steps per round (default: ${DEFAULT-VALUE})")
        int classifierSteps = DEFAULTS.classifierStepsPerRound();

        @Option(names = "--segmenter-steps", description = "segmenter steps per round (default: ${DEFAULT-VALUE})")
        int segmenterSteps = DEFAULTS.segmenterStepsPerRound();

        @Option(names = "--out", description = "write the results as JSON here, with a CSV and an SVG plot beside it")
        Path out;

        @Override
        public Integer call() throws Exception {
            SeedStreamConfig effective = config.load();
            var options = new ActiveLearningBenchmark.Options(
                    List.copyOf(seeds),
                    poolImages,
                    evalImages,
                    initialLabels,
                    batch,
                    rounds,
                    classifierSteps,
                    segmenterSteps);
            long started = System.nanoTime();
            ActiveLearningBenchmark.Result result =
                    new ActiveLearningBenchmark(effective, options, new Progress(System.err)).run();
            double wallSeconds = (System.nanoTime() - started) / 1e9;
            ActiveLearningReport.printTable(result, System.out);
            System.out.printf("%nTotal %.0f s%n", wallSeconds);
            if (out != null) {
                Path svg = beside(out, ".svg");
                BenchmarkReport.writeJson(ActiveLearningReport.toJson(result, effective, wallSeconds), out);
                ActiveLearningReport.writeCsv(result, csvBeside(out));
                ActiveLearningReport.writeSvg(result, svg);
                System.out.println("Wrote " + out + ", " + csvBeside(out) + " and the plot " + svg);
            }
            return 0;
        }
    }

    private static Path csvBeside(Path json) {
        return beside(json, ".csv");
    }

    static Path beside(Path json, String extension) {
        return json.resolveSibling(json.getFileName().toString().replaceFirst("\\.json$", "") + extension);
    }
}
