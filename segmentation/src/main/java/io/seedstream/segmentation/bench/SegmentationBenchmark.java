package io.seedstream.segmentation.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.seedstream.segmentation.config.SeedStreamConfig;
import io.seedstream.segmentation.data.ClassList;
import io.seedstream.segmentation.data.DatasetLoad;
import io.seedstream.segmentation.data.LabeledImage;
import io.seedstream.segmentation.data.MaskedDatasetReader;
import io.seedstream.segmentation.data.SyntheticDataset;
import io.seedstream.segmentation.memory.ClassMemory;
import io.seedstream.segmentation.metrics.SegmentationMetrics;
import io.seedstream.segmentation.nn.Autograd;
import io.seedstream.segmentation.nn.Classifier;
import io.seedstream.segmentation.nn.ClassifierArchitecture;
import io.seedstream.segmentation.nn.Devices;
import io.seedstream.segmentation.nn.Ops;
import io.seedstream.segmentation.nn.Segmenter;
import io.seedstream.segmentation.nn.SegmenterArchitecture;
import io.seedstream.segmentation.seeds.SeedGenerator;
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
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

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
    public record Options(int classifierSteps, int trainImages, int evalImages, double pixelLabeledFraction) {
        public static Options defaults() {
            return new Options(800, 1000, 100, 0.1);
        }
    }

    /** One way of training the segmenter. */
    public record Row(String name, String description, SegmenterTrainer.Objective objective, boolean growing, boolean fullMasks,
            double pixelLabeled) {}

    /** mIoU, mean precision and mean recall (foreground classes) of label maps against the truth. */
    public record Scores(double miou, double precision, double recall, double labeledShare) {}

    /** A trained segmenter: held-out scores, and the pseudo-labels it trained on after each epoch. */
    public record SegmenterResult(String description, Scores heldOut, List<Scores> pseudoLabelsByEpoch, double seconds,
            double finalLoss) {}

    public record Result(String dataset, Map<String, Scores> seeds, Map<String, SegmenterResult> segmenters,
            double classifierSeconds, int trainImages, int evalImages) {}

    /** Training images (with their true masks, for scoring) and held-out images of one data set. */
    public record Data(String name, ClassList classes, List<LabeledImage> train, List<LabeledImage> heldOut) {}

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
        return new Data("synthetic", synthetic.classes(),
                generate(synthetic, progress, "generating train set", 0, options.trainImages()),
                generate(synthetic, progress, "generating held-out set", SyntheticDataset.HELD_OUT_START, options.evalImages()));
    }

    /** CamVid's train split for training and its val split held out, scaled to width x height. */
    public static Data camVid(Path root, int width, int height, PrintStream warnings) throws IOException {
        List<List<LabeledImage>> splits = new ArrayList<>();
        for (String split : List.of("train", "val")) {
            DatasetLoad load = MaskedDatasetReader.camVid(root, split);
            load.problems().forEach(problem -> warnings.println("camvid: skipped " + problem));
            if (load.images().isEmpty()) {
                throw new IOException("no readable CamVid images in " + root.resolve(split));
            }
            splits.add(load.images().stream().map(image -> image.resized(width, height)).toList());
        }
        return new Data("camvid", MaskedDatasetReader.CAMVID_CLASSES, splits.get(0), splits.get(1));
    }

    /** DSRG's ablation, rows (a) to (f). */
    public static List<Row> rows(double pixelLabeled) {
        return List.of(
                new Row("a-seed-loss", "(a) seed loss only", new SegmenterTrainer.Objective(false, false, false), false, false, 0),
                new Row("b-balanced", "(b) + balanced seed loss", new SegmenterTrainer.Objective(true, false, false), false, false, 0),
                new Row("c-growing", "(c) + region growing", new SegmenterTrainer.Objective(true, false, false), true, false, 0),
                new Row("d-boundary", "(d) + boundary loss", new SegmenterTrainer.Objective(true, true, false), true, false, 0),
                new Row("e-semi", String.format("(e) (d) + %.0f%% pixel-labeled", 100 * pixelLabeled),
                        new SegmenterTrainer.Objective(true, true, true), true, false, pixelLabeled),
                new Row("f-full", "(f) full masks (upper bound)", new SegmenterTrainer.Objective(false, false, false), false, true, 0));
    }

    /**
     * Rows (d), (e) and (f): full DSRG, the semi-supervised setting and the upper bound; for CamVid,
     * where nearly every class is in nearly every image and the weak ablation says little.
     */
    public static List<Row> semiSupervisedRows(double pixelLabeled) {
        return rows(pixelLabeled).stream().filter(row -> row.objective().boundary() || row.fullMasks()).toList();
    }

    /** Trains the classifier, seeds every training image, then trains and scores one segmenter per row. */
    public Result run(List<Row> rows) {
        Autograd.disableOnThisThread(); // trainers turn gradients on inside their steps
        try (NDManager manager = NDManager.newBaseManager(Devices.of(config.device()))) {
            manager.getEngine().setRandomSeed((int) config.training().seed());
            List<LabeledImage> pool = data.train();
            List<LabeledImage> heldOut = data.heldOut();
            List<LabeledImage> weak = pool.stream().map(SegmentationBenchmark::withoutMask).toList();

            long started = System.nanoTime();
            List<SeedGenerator.Result> seeds;
            try (Classifier classifier = trainClassifier(manager, weak)) {
                seeds = seed(classifier, weak);
            }
            double classifierSeconds = (System.nanoTime() - started) / 1e9;
            Map<String, Scores> seedScores = new LinkedHashMap<>();
            seedScores.put("static", score(seeds.stream().map(SeedGenerator.Result::staticSeeds).toList(), pool, classes));
            seedScores.put("class-memory", score(seeds.stream().map(SeedGenerator.Result::refinedSeeds).toList(), pool, classes));

            List<int[]> trainingSeeds = seeds.stream().map(SeedGenerator.Result::refinedSeeds).toList();
            Map<String, SegmenterResult> segmenters = new LinkedHashMap<>();
            for (Row row : rows) {
                segmenters.put(row.name(), train(manager, row, pool, weak, trainingSeeds, heldOut));
            }
            return new Result(data.name(), seedScores, segmenters, classifierSeconds, pool.size(), heldOut.size());
        }
    }

    private static List<LabeledImage> generate(SyntheticDataset synthetic, Progress progress, String phase, long from, int count) {
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

    private Classifier trainClassifier(NDManager manager, List<LabeledImage> weak) {
        Classifier model = new Classifier(ClassifierArchitecture.of(config, ClassifierArchitecture.Head.FICKLENET,
                classes.numForeground()), manager, config.training().seed());
        ClassifierTrainer trainer = new ClassifierTrainer(model, config, classes, ClassifierTrainer.Objective.BCE);
        Random random = new Random(config.training().seed());
        progress.start("training classifier", options.classifierSteps());
        double loss = 0;
        for (int step = 1; step <= options.classifierSteps(); step++) {
            List<LabeledImage> batch = new ArrayList<>();
            for (int b = 0; b < config.training().batchSize(); b++) {
                batch.add(weak.get(random.nextInt(weak.size())));
            }
            loss = 0.98 * loss + 0.02 * trainer.step(batch).total();
            progress.update(step, String.format("loss %.4f", loss / (1 - Math.pow(0.98, step))));
        }
        return model;
    }

    /** Seeds of every training image in stream order, the class memory updated after each image. */
    private List<SeedGenerator.Result> seed(Classifier classifier, List<LabeledImage> weak) {
        SeedGenerator generator = new SeedGenerator(config, classes.background());
        ClassMemory memory = new ClassMemory(config.memory());
        Map<Integer, ClassMemory.State> states = new HashMap<>();
        List<SeedGenerator.Result> results = new ArrayList<>();
        progress.start("seeding (class memory)", weak.size());
        for (LabeledImage image : weak) {
            int[] ids = image.labels();
            try (NDManager scope = classifier.parameters().manager().newSubManager()) {
                NDArray features = classifier.features(Batches.images(scope, List.of(image)), false);
                NDArray maps = Ops.channels(Ops.relu(classifier.classMaps(features)),
                        Arrays.stream(ids).map(classes::classifierIndex).toArray());
                results.add(generator.seeds(features, maps, ids, states, image.height(), image.width()));
                if (ids.length > 0) { // an image without labels has no class maps to learn from
                    generator.classFeatures(features.toFloatArray(), (int) features.getShape().get(1), maps.toFloatArray(), ids)
                            .forEach((id, rows) -> states.put(id, memory.update(states.getOrDefault(id, ClassMemory.State.EMPTY), rows)));
                }
            }
            progress.update(results.size(), "");
        }
        return results;
    }

    private SegmenterResult train(NDManager manager, Row row, List<LabeledImage> pool, List<LabeledImage> weak,
            List<int[]> seeds, List<LabeledImage> heldOut) {
        List<LabeledImage> images = new ArrayList<>(weak);
        for (int i = 0; i < images.size(); i++) { // spread evenly over the stream: every 1/fraction-th image has its mask
            if (Math.floor((i + 1) * row.pixelLabeled()) > Math.floor(i * row.pixelLabeled())) {
                images.set(i, pool.get(i));
            }
        }
        List<int[]> labels = new ArrayList<>(row.fullMasks() ? pool.stream().map(p -> Batches.maskLabels(p.mask())).toList() : seeds);
        SeededRegionGrowing growing = new SeededRegionGrowing(config.dsrg().foregroundGrowThreshold(),
                config.dsrg().backgroundGrowThreshold());
        List<Scores> pseudoLabels = new ArrayList<>();
        int batchSize = config.segmenter().batchSize();
        int stepsPerEpoch = (images.size() + batchSize - 1) / batchSize;
        int epochs = config.segmenter().epochs();
        Random random = new Random(config.segmenter().seed());
        long started = System.nanoTime();
        try (Segmenter segmenter = new Segmenter(SegmenterArchitecture.of(config.segmenter(), classes.size()), manager, config.segmenter().seed())) {
            SegmenterTrainer trainer = new SegmenterTrainer(segmenter, config, classes, row.objective());
            double loss = 0;
            int step = 0;
            progress.start("training " + row.name(), (long) epochs * stepsPerEpoch);
            for (int epoch = 1; epoch <= epochs; epoch++) {
                List<Integer> order = new ArrayList<>(java.util.stream.IntStream.range(0, images.size()).boxed().toList());
                Collections.shuffle(order, random);
                for (int from = 0; from < order.size(); from += batchSize) {
                    List<SegmenterTrainer.Example> batch = new ArrayList<>();
                    for (int i : order.subList(from, Math.min(order.size(), from + batchSize))) {
                        batch.add(new SegmenterTrainer.Example(images.get(i), labels.get(i)));
                    }
                    loss = 0.95 * loss + 0.05 * trainer.step(batch).total();
                    step++;
                    progress.update(step, String.format("epoch %d/%d  loss %.4f", epoch, epochs, loss / (1 - Math.pow(0.95, step))));
                }
                if (row.growing()) { // dynamic supervision: grow the original seeds with the current segmenter
                    labels = grow(segmenter, growing, images, seeds);
                    pseudoLabels.add(score(labels, pool, classes));
                }
            }
            double seconds = (System.nanoTime() - started) / 1e9;
            return new SegmenterResult(row.description(), evaluate(segmenter, heldOut, classes, batchSize), pseudoLabels, seconds,
                    loss / (1 - Math.pow(0.95, step)));
        }
    }

    private List<int[]> grow(Segmenter segmenter, SeededRegionGrowing growing, List<LabeledImage> images, List<int[]> seeds) {
        List<int[]> grown = new ArrayList<>(images.size());
        forEachProbabilities(segmenter, images, config.segmenter().batchSize(), (i, probabilities) -> {
            LabeledImage image = images.get(i);
            grown.add(growing.grow(seeds.get(i), probabilities, SeededRegionGrowing.allowedClasses(image.labels(), classes.background()),
                    classes.background(), image.width(), image.height()));
        });
        return grown;
    }

    /** Held-out scores: each pixel gets the segmenter's most probable class (no image labels at test time). */
    static Scores evaluate(Segmenter segmenter, List<LabeledImage> heldOut, ClassList classes, int batchSize) {
        List<int[]> predictions = new ArrayList<>(heldOut.size());
        forEachProbabilities(segmenter, heldOut, batchSize, (i, probabilities) -> predictions.add(argmax(probabilities, classes.size())));
        return score(predictions, heldOut, classes);
    }

    private interface ProbabilityConsumer {
        void accept(int index, float[] probabilities);
    }

    /** Class-major probabilities (classes x pixels) of every image, in order, batch by batch. */
    private static void forEachProbabilities(Segmenter segmenter, List<LabeledImage> images, int batchSize, ProbabilityConsumer consumer) {
        for (int from = 0; from < images.size(); from += batchSize) {
            List<LabeledImage> batch = images.subList(from, Math.min(images.size(), from + batchSize));
            try (NDManager scope = segmenter.parameters().manager().newSubManager()) {
                float[] all = segmenter.probabilities(Batches.images(scope, batch)).toFloatArray();
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
    private static Scores score(List<int[]> labels, List<LabeledImage> truth, ClassList classes) {
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
