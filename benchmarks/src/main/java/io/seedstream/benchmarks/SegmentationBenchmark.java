package io.seedstream.benchmarks;

import ai.djl.TrainingDivergedException;
import ai.djl.ndarray.NDManager;
import io.seedstream.segmentation.config.SeedStreamConfig;
import io.seedstream.segmentation.data.ClassList;
import io.seedstream.segmentation.data.DatasetLoad;
import io.seedstream.segmentation.data.LabeledImage;
import io.seedstream.segmentation.data.MaskedDatasetReader;
import io.seedstream.segmentation.data.SyntheticDataset;
import io.seedstream.segmentation.metrics.SegmentationMetrics;
import io.seedstream.segmentation.nn.Autograd;
import io.seedstream.segmentation.nn.Classifier;
import io.seedstream.segmentation.nn.ClassifierArchitecture;
import io.seedstream.segmentation.nn.Devices;
import io.seedstream.segmentation.nn.Segmenter;
import io.seedstream.segmentation.nn.SegmenterArchitecture;
import io.seedstream.segmentation.seeds.LabelCrf;
import io.seedstream.segmentation.seeds.SeededRegionGrowing;
import io.seedstream.segmentation.train.Batches;
import io.seedstream.segmentation.train.ClassifierTrainer;
import io.seedstream.segmentation.train.SegmenterTrainer;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.IntStream;

/**
 * The segmentation benchmark, DSRG's ablation on the CPU, on synthetic data (and CamVid's
 * semi-supervised rows when it is given). A FickleNet classifier
 * is trained on image-level labels; its maps (dropout's expectation) give every training image
 * static seeds, and seeds refined by the class memory, which is updated image by image in stream
 * order. The same segmenter is then trained from those seeds in six ways, from the plain seed loss
 * up to DSRG with 10% of the images pixel-labeled, and with full masks as the upper bound. Scored:
 * pseudo-labels of the training images against their true masks (unseeded pixels count as misses),
 * and each segmenter on held-out images.
 */
public final class SegmentationBenchmark {

    /** How much work the benchmark does; the methods' settings come from {@link SeedStreamConfig}. */
    /**
     * @param reCamSteps ReCAM's fine-tuning steps after the {@code classifierSteps} of CAM training
     * @param tuningImages masked images, apart from the training and held-out ones, on which
     *     thresholds and the pseudo-label row the segmenters train on are chosen
     * @param todayRow whether to train today's output-stride-8 classifier for the first row
     * @param ficklenetPasses FickleNet's N for its row (the paper's 200 costs 4x as long; the
     *     localization benchmark measures N itself)
     * @param sheet a PNG to draw the first training images' pseudo-labels into, stage by stage, or null
     */
    public record Options(
            int classifierSteps,
            int reCamSteps,
            int trainImages,
            int evalImages,
            int tuningImages,
            double pixelLabeledFraction,
            boolean todayRow,
            int ficklenetPasses,
            String sheet) {
        public static Options defaults() {
            return new Options(800, 200, 1000, 100, 100, 0.1, true, 50, null);
        }
    }

    /** One way of training the segmenter. */
    public record Row(
            String name,
            String description,
            SegmenterTrainer.Objective objective,
            boolean growing,
            boolean fullMasks,
            double pixelLabeled) {}

    /** mIoU, mean precision and mean recall (foreground classes) of label maps against the truth. */
    public record Scores(double miou, double precision, double recall, double labeledShare) {}

    /**
     * A trained segmenter: held-out scores, the pseudo-labels it trained on after each epoch, and
     * the steps skipped because their gradients were not finite (counted, never fatal).
     */
    public record SegmenterResult(
            String description,
            Scores heldOut,
            List<Scores> pseudoLabelsByEpoch,
            double seconds,
            double finalLoss,
            int skippedSteps) {}

    /**
     * @param seeds every pseudo-label stage's scores on the training images, in pipeline order
     * @param backgroundScores the background constant chosen on the tuning split for each dense row
     * @param bestPseudoLabelRow the row the segmenters trained on (those that grow: see {@code seedRow})
     * @param seedRow the sparse seeds the growing segmenters (c to e) started from and grew
     * @param classifierSkippedSteps classifier steps skipped for non-finite gradients
     * @param affinitySkippedSteps affinity head steps skipped for a non-finite loss
     */
    public record Result(
            String dataset,
            Map<String, Scores> seeds,
            Map<String, Double> backgroundScores,
            String bestPseudoLabelRow,
            String seedRow,
            Map<String, SegmenterResult> segmenters,
            double classifierSeconds,
            int classifierSkippedSteps,
            int affinitySkippedSteps,
            int trainImages,
            int evalImages) {}

    /**
     * Training images (with their true masks, for scoring), held-out images, and a tuning split
     * (masked images used only to choose thresholds) of one data set.
     */
    public record Data(
            String name,
            ClassList classes,
            List<LabeledImage> train,
            List<LabeledImage> heldOut,
            List<LabeledImage> tuning) {}

    private final SeedStreamConfig config;
    private final Data data;
    private final Options options;
    private final Progress progress;
    private final ClassList classes;

    public SegmentationBenchmark(SeedStreamConfig config, Data data, Options options, Progress progress) {
        this.config = config;
        this.data = data;
        this.options = options;
        this.progress = progress;
        this.classes = data.classes();
    }

    /** The synthetic data set: {@code trainImages} training and {@code evalImages} held-out images. */
    public static Data synthetic(SeedStreamConfig config, Options options, Progress progress) {
        SyntheticDataset synthetic = new SyntheticDataset(config.synthetic());
        return new Data(
                "synthetic",
                synthetic.classes(),
                generate(synthetic, progress, "generating train set", 0, options.trainImages()),
                generate(
                        synthetic,
                        progress,
                        "generating held-out set",
                        SyntheticDataset.HELD_OUT_START,
                        options.evalImages()),
                generate(synthetic, progress, "generating tuning set", TUNING_START, options.tuningImages()));
    }

    /** Tuning images come from the held-out range, far past the held-out images. */
    private static final long TUNING_START = SyntheticDataset.HELD_OUT_START + (1L << 30);

    /**
     * CamVid's train split for training and its val split held out, scaled to width x height; every
     * tenth training photo is kept apart as the tuning split.
     */
    public static Data camVid(Path root, int width, int height, PrintStream warnings) throws IOException {
        List<List<LabeledImage>> splits = new ArrayList<>();
        for (String split : List.of("train", "val")) {
            DatasetLoad load = MaskedDatasetReader.camVid(root, split);
            load.problems().forEach(problem -> warnings.println("camvid: skipped " + problem));
            if (load.images().isEmpty()) {
                throw new IOException("no readable CamVid images in " + root.resolve(split));
            }
            splits.add(load.images().stream()
                    .map(image -> image.resized(width, height))
                    .toList());
        }
        List<LabeledImage> train = new ArrayList<>();
        List<LabeledImage> tuning = new ArrayList<>();
        for (int i = 0; i < splits.get(0).size(); i++) {
            (i % 10 == 9 ? tuning : train).add(splits.get(0).get(i));
        }
        return new Data("camvid", MaskedDatasetReader.CAMVID_CLASSES, train, splits.get(1), tuning);
    }

    /** DSRG's ablation, rows (a) to (f). */
    public static List<Row> rows(double pixelLabeled) {
        return List.of(
                new Row(
                        "a-seed-loss",
                        "(a) seed loss only",
                        new SegmenterTrainer.Objective(false, false, false),
                        false,
                        false,
                        0),
                new Row(
                        "b-balanced",
                        "(b) + balanced seed loss",
                        new SegmenterTrainer.Objective(true, false, false),
                        false,
                        false,
                        0),
                new Row(
                        "c-growing",
                        "(c) + region growing",
                        new SegmenterTrainer.Objective(true, false, false),
                        true,
                        false,
                        0),
                new Row(
                        "d-boundary",
                        "(d) + boundary loss",
                        new SegmenterTrainer.Objective(true, true, false),
                        true,
                        false,
                        0),
                new Row(
                        "e-semi",
                        String.format("(e) (d) + %.0f%% pixel-labeled", 100 * pixelLabeled),
                        new SegmenterTrainer.Objective(true, true, true),
                        true,
                        false,
                        pixelLabeled),
                new Row(
                        "f-full",
                        "(f) full masks (upper bound)",
                        new SegmenterTrainer.Objective(false, false, false),
                        false,
                        true,
                        0));
    }

    /**
     * Rows (d), (e) and (f): full DSRG, the semi-supervised setting and the upper bound; for CamVid,
     * where nearly every class is in nearly every image and the weak ablation says little.
     */
    public static List<Row> semiSupervisedRows(double pixelLabeled) {
        return rows(pixelLabeled).stream()
                .filter(row -> row.objective().boundary() || row.fullMasks())
                .toList();
    }

    /**
     * Trains the classifiers (CAM, then ReCAM's fine-tuning; today's stride-8 one for the first
     * row), runs every pseudo-label stage, then trains and scores one segmenter per row on the
     * pseudo-labels that did best on the tuning split.
     */
    public Result run(List<Row> rows) throws IOException {
        Autograd.disableOnThisThread(); // trainers turn gradients on inside their steps
        try (NDManager manager = NDManager.newBaseManager(Devices.of(config.device()))) {
            manager.getEngine().setRandomSeed((int) config.classifier().seed());
            List<LabeledImage> pool = data.train();
            List<LabeledImage> heldOut = data.heldOut();
            List<LabeledImage> weak =
                    pool.stream().map(SegmentationBenchmark::withoutMask).toList();
            List<LabelCrf.ImageCrf> crfs = PseudoLabelAblation.crfs(config.seeds(), pool);

            long started = System.nanoTime();
            PseudoLabelAblation.Outcome pseudoLabels;
            int[] skipped = new int[1];
            Classifier today = options.todayRow() ? trainClassifier(manager, todayConfig(), weak, skipped) : null;
            try (Classifier cam = trainClassifier(manager, config, weak, skipped);
                    Classifier reCam = fineTuneReCam(manager, cam, weak, skipped)) {
                PseudoLabelAblation ablation = new PseudoLabelAblation(
                        config.with("ficklenet.passes", options.ficklenetPasses()),
                        classes,
                        progress,
                        data.tuning(),
                        pool,
                        crfs,
                        options.sheet() != null);
                pseudoLabels = ablation.run(manager, today, cam, reCam);
                if (options.sheet() != null) {
                    Path sheet = Path.of(options.sheet().replace("{dataset}", data.name()));
                    List<String> stages = ablation.writeSheet(sheet);
                    progress.note("pseudo-label sheet " + sheet + ": " + String.join(" | ", stages));
                }
            } finally {
                if (today != null) {
                    today.close();
                }
            }
            double classifierSeconds = (System.nanoTime() - started) / 1e9;

            Map<String, SegmenterResult> segmenters = new LinkedHashMap<>();
            for (Row row : rows) { // DSRG's rows grow sparse seeds; the others train on the best pseudo-labels
                List<int[]> labels = row.growing() ? pseudoLabels.seedLabels() : pseudoLabels.trainingLabels();
                segmenters.put(row.name(), train(manager, row, pool, weak, labels, crfs, heldOut));
            }
            return new Result(
                    data.name(),
                    pseudoLabels.rows(),
                    pseudoLabels.backgroundScores(),
                    pseudoLabels.bestRow(),
                    pseudoLabels.seedRow(),
                    segmenters,
                    classifierSeconds,
                    skipped[0],
                    pseudoLabels.affinitySkippedSteps(),
                    pool.size(),
                    heldOut.size());
        }
    }

    /** Today's classifier: the backbone's last stride-2 layer kept (output stride 8, 12 x 12 maps at 96 px). */
    private SeedStreamConfig todayConfig() {
        return config.with("backbone.strides", "2,1,2,1,2,1").with("backbone.dilations", "1,1,1,1,1,2");
    }

    private static List<LabeledImage> generate(
            SyntheticDataset synthetic, Progress progress, String phase, long from, int count) {
        progress.start(phase, count);
        List<LabeledImage> images = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            images.add(synthetic.image(from + i));
            progress.update(i + 1, "");
        }
        return images;
    }

    private static LabeledImage withoutMask(LabeledImage image) {
        return new LabeledImage(image.id(), image.width(), image.height(), image.rgb(), null, image.labels());
    }

    private Classifier trainClassifier(
            NDManager manager, SeedStreamConfig settings, List<LabeledImage> weak, int[] skipped) {
        Classifier model = new Classifier(
                ClassifierArchitecture.of(settings, ClassifierArchitecture.Head.FICKLENET, classes.numForeground()),
                manager,
                settings.classifier().seed());
        String stride = model.architecture().strides().stream()
                .reduce(1, (a, b) -> a * b)
                .toString();
        train(
                new ClassifierTrainer(model, settings, classes, ClassifierTrainer.Objective.BCE),
                weak,
                options.classifierSteps(),
                "training classifier (output stride " + stride + ")",
                skipped);
        return model;
    }

    /** ReCAM's second stage on a copy of the CAM classifier: BCE + lambda SCE, all but the ReCAM head at a tenth of the rate. */
    private Classifier fineTuneReCam(NDManager manager, Classifier cam, List<LabeledImage> weak, int[] skipped) {
        Classifier model =
                new Classifier(cam.architecture(), manager, config.classifier().seed());
        try (NDManager scope = manager.newSubManager()) {
            Map<String, float[]> values = new LinkedHashMap<>();
            cam.parameters().all().forEach((name, array) -> values.put(name, array.toFloatArray()));
            model.parameters().load(values);
        }
        train(
                ClassifierTrainer.reCamFineTuning(model, config, classes),
                weak,
                options.reCamSteps(),
                "ReCAM fine-tuning",
                skipped);
        return model;
    }

    private void train(ClassifierTrainer trainer, List<LabeledImage> weak, int steps, String phase, int[] skipped) {
        Random random = new Random(config.classifier().seed());
        progress.start(phase, steps);
        double loss = 0;
        int done = 0;
        for (int step = 1; step <= steps; step++) {
            List<LabeledImage> batch = new ArrayList<>();
            for (int b = 0; b < config.classifier().batchSize(); b++) {
                batch.add(weak.get(random.nextInt(weak.size())));
            }
            try {
                loss = 0.98 * loss + 0.02 * trainer.step(batch).total();
                done++;
            } catch (TrainingDivergedException e) { // counted and reported; the run goes on
                skipped[0]++;
            }
            progress.update(
                    step,
                    String.format(
                            "loss %.4f%s",
                            done == 0 ? Double.NaN : loss / (1 - Math.pow(0.98, done)),
                            skipped[0] == 0 ? "" : "  skipped " + skipped[0]));
        }
    }

    private SegmenterResult train(
            NDManager manager,
            Row row,
            List<LabeledImage> pool,
            List<LabeledImage> weak,
            List<int[]> seeds,
            List<LabelCrf.ImageCrf> crfs,
            List<LabeledImage> heldOut) {
        List<LabeledImage> images = new ArrayList<>(weak);
        for (int i = 0;
                i < images.size();
                i++) { // spread evenly over the stream: every 1/fraction-th image has its mask
            if (Math.floor((i + 1) * row.pixelLabeled()) > Math.floor(i * row.pixelLabeled())) {
                images.set(i, pool.get(i));
            }
        }
        List<int[]> labels = new ArrayList<>(
                row.fullMasks()
                        ? pool.stream().map(p -> Batches.maskLabels(p.mask())).toList()
                        : seeds);
        SeededRegionGrowing growing = new SeededRegionGrowing(
                config.dsrg().foregroundGrowThreshold(), config.dsrg().backgroundGrowThreshold());
        List<Scores> pseudoLabels = new ArrayList<>();
        int batchSize = config.segmenter().batchSize();
        int stepsPerEpoch = (images.size() + batchSize - 1) / batchSize;
        int epochs = config.segmenter().epochs();
        Random random = new Random(config.segmenter().seed());
        long started = System.nanoTime();
        try (Segmenter segmenter = new Segmenter(
                SegmenterArchitecture.of(config.segmenter(), classes.size()),
                manager,
                config.segmenter().seed())) {
            SegmenterTrainer trainer = new SegmenterTrainer(segmenter, config, classes, row.objective());
            double loss = 0;
            int step = 0;
            int trained = 0;
            int skipped = 0;
            progress.start("training " + row.name(), (long) epochs * stepsPerEpoch);
            for (int epoch = 1; epoch <= epochs; epoch++) {
                List<Integer> order = new ArrayList<>(
                        IntStream.range(0, images.size()).boxed().toList());
                Collections.shuffle(order, random);
                for (int from = 0; from < order.size(); from += batchSize) {
                    List<SegmenterTrainer.Example> batch = new ArrayList<>();
                    for (int i : order.subList(from, Math.min(order.size(), from + batchSize))) {
                        batch.add(new SegmenterTrainer.Example(images.get(i), labels.get(i)));
                    }
                    step++;
                    try {
                        loss = 0.95 * loss + 0.05 * trainer.step(batch).total();
                        trained++;
                    } catch (TrainingDivergedException e) { // counted and reported; the run goes on
                        skipped++;
                    }
                    progress.update(
                            step,
                            String.format(
                                    "epoch %d/%d  loss %.4f%s",
                                    epoch,
                                    epochs,
                                    smoothed(loss, trained),
                                    skipped == 0 ? "" : "  skipped " + skipped));
                }
                if (row.growing()) { // dynamic supervision: grow the original seeds with the current segmenter
                    labels = grow(segmenter, growing, images, seeds, crfs);
                    pseudoLabels.add(score(labels, pool, classes));
                }
            }
            double seconds = (System.nanoTime() - started) / 1e9;
            return new SegmenterResult(
                    row.description(),
                    evaluate(segmenter, heldOut, classes, batchSize),
                    pseudoLabels,
                    seconds,
                    smoothed(loss, trained),
                    skipped);
        }
    }

    private static double smoothed(double loss, int steps) {
        return steps == 0 ? Double.NaN : loss / (1 - Math.pow(0.95, steps));
    }

    /** The seeds grown on the segmenter's CRF-refined probabilities; the CRFs of a batch run in parallel. */
    private List<int[]> grow(
            Segmenter segmenter,
            SeededRegionGrowing growing,
            List<LabeledImage> images,
            List<int[]> seeds,
            List<LabelCrf.ImageCrf> crfs) {
        List<int[]> grown = new ArrayList<>(images.size());
        int batchSize = config.segmenter().batchSize();
        for (int from = 0; from < images.size(); from += batchSize) {
            List<LabeledImage> batch = images.subList(from, Math.min(images.size(), from + batchSize));
            float[][] probabilities = new float[batch.size()][];
            forEachProbabilities(segmenter, batch, batchSize, (b, p) -> probabilities[b] = p);
            int first = from;
            grown.addAll(IntStream.range(0, batch.size())
                    .parallel()
                    .mapToObj(b -> {
                        LabeledImage image = batch.get(b);
                        int[] allowed = SeededRegionGrowing.allowedClasses(image.labels(), classes.background());
                        return growing.growRefined(
                                seeds.get(first + b),
                                probabilities[b],
                                allowed,
                                classes.background(),
                                crfs.get(first + b));
                    })
                    .toList());
        }
        return grown;
    }

    /** Held-out scores: each pixel gets the segmenter's most probable class (no image labels at test time). */
    static Scores evaluate(Segmenter segmenter, List<LabeledImage> heldOut, ClassList classes, int batchSize) {
        List<int[]> predictions = new ArrayList<>(heldOut.size());
        forEachProbabilities(
                segmenter,
                heldOut,
                batchSize,
                (i, probabilities) -> predictions.add(argmax(probabilities, classes.size())));
        return score(predictions, heldOut, classes);
    }

    private interface ProbabilityConsumer {
        void accept(int index, float[] probabilities);
    }

    /** Class-major probabilities (classes x pixels) of every image, in order, batch by batch. */
    private static void forEachProbabilities(
            Segmenter segmenter, List<LabeledImage> images, int batchSize, ProbabilityConsumer consumer) {
        for (int from = 0; from < images.size(); from += batchSize) {
            List<LabeledImage> batch = images.subList(from, Math.min(images.size(), from + batchSize));
            try (NDManager scope = segmenter.parameters().manager().newSubManager()) {
                float[] all =
                        segmenter.probabilities(Batches.images(scope, batch)).toFloatArray();
                int perImage = all.length / batch.size();
                for (int b = 0; b < batch.size(); b++) {
                    consumer.accept(from + b, Arrays.copyOfRange(all, b * perImage, (b + 1) * perImage));
                }
            }
        }
    }

    private static int[] argmax(float[] probabilities, int numClasses) {
        int pixels = probabilities.length / numClasses;
        int[] labels = new int[pixels];
        for (int u = 0; u < pixels; u++) {
            int best = 0;
            for (int c = 1; c < numClasses; c++) {
                if (probabilities[c * pixels + u] > probabilities[best * pixels + u]) {
                    best = c;
                }
            }
            labels[u] = best;
        }
        return labels;
    }

    /** Label maps against the true masks; negative labels (unseeded) count as misses. */
    static Scores score(List<int[]> labels, List<LabeledImage> truth, ClassList classes) {
        SegmentationMetrics metrics = new SegmentationMetrics(classes.size(), classes.background());
        long labeled = 0;
        long total = 0;
        for (int i = 0; i < labels.size(); i++) {
            int[] predicted = labels.get(i).clone();
            for (int u = 0; u < predicted.length; u++) {
                if (predicted[u] < 0) {
                    predicted[u] = SegmentationMetrics.NO_PREDICTION;
                } else {
                    labeled++;
                }
            }
            total += predicted.length;
            metrics.add(predicted, truth.get(i).mask());
        }
        return new Scores(metrics.meanIou(), metrics.precision(), metrics.recall(), (double) labeled / total);
    }
}
