package io.seedstream.benchmarks;

import ai.djl.ndarray.NDManager;
import io.seedstream.segmentation.active.Candidate;
import io.seedstream.segmentation.active.ImageScorer;
import io.seedstream.segmentation.active.LabelSelector;
import io.seedstream.segmentation.active.Thumbnail;
import io.seedstream.segmentation.config.SeedStreamConfig;
import io.seedstream.segmentation.data.ClassList;
import io.seedstream.segmentation.data.LabeledImage;
import io.seedstream.segmentation.data.SyntheticDataset;
import io.seedstream.segmentation.nn.Autograd;
import io.seedstream.segmentation.nn.Classifier;
import io.seedstream.segmentation.nn.ClassifierArchitecture;
import io.seedstream.segmentation.nn.Devices;
import io.seedstream.segmentation.nn.Segmenter;
import io.seedstream.segmentation.nn.SegmenterArchitecture;
import io.seedstream.segmentation.train.Batches;
import io.seedstream.segmentation.train.ClassifierTrainer;
import io.seedstream.segmentation.train.SegmenterTrainer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Active against random selection at the same labeling budget. For each seed, both strategies start
 * from the same state: the same pool of unlabeled synthetic images, the same randomly drawn first
 * labels, the same initial weights. Each round trains the classifier (BCE + ReCAM on the labeled
 * images' classes) and the segmenter (on their masks: the oracle labels an image fully) for a fixed
 * number of steps, continuing from the previous round as the streaming trainer does, scores the
 * segmenter on held-out images, and then labels {@code batch} more pool images, chosen by the
 * {@link ImageScorer} and {@link LabelSelector} the streaming job uses, or uniformly at random.
 */
public final class ActiveLearningBenchmark {

    public enum Strategy {
        ACTIVE,
        RANDOM
    }

    /** How much work; the methods' settings come from {@link SeedStreamConfig}. */
    public record Options(
            List<Long> seeds,
            int poolImages,
            int evalImages,
            int initialLabels,
            int batch,
            int rounds,
            int classifierStepsPerRound,
            int segmenterStepsPerRound) {
        public static Options defaults() {
            return new Options(List.of(1L, 2L, 3L), 400, 100, 16, 16, 5, 40, 40);
        }

        public int finalBudget() {
            return initialLabels + rounds * batch;
        }
    }

    /** One point of a learning curve. */
    public record Point(int labels, double miou) {}

    /** One run: a strategy from one seed. */
    public record Run(Strategy strategy, long seed, List<Point> curve, double seconds) {}

    public record Result(Options options, List<Run> runs) {}

    private final SeedStreamConfig config;
    private final Options options;
    private final Progress progress;
    private final SyntheticDataset synthetic;
    private final ClassList classes;

    public ActiveLearningBenchmark(SeedStreamConfig config, Options options, Progress progress) {
        if (options.initialLabels() < 1
                || options.batch() < 1
                || options.rounds() < 1
                || options.seeds().isEmpty()) {
            throw new IllegalArgumentException(
                    "the benchmark needs at least one seed, initial label, round and label per round");
        }
        if (options.finalBudget() > options.poolImages()) {
            throw new IllegalArgumentException("the budget (" + options.finalBudget() + " labels) exceeds the pool ("
                    + options.poolImages() + " images)");
        }
        this.config = config;
        this.options = options;
        this.progress = progress;
        this.synthetic = new SyntheticDataset(config.synthetic());
        this.classes = synthetic.classes();
    }

    public Result run() {
        Autograd.disableOnThisThread(); // the trainers record inside their steps
        List<LabeledImage> heldOut = synthetic.images(SyntheticDataset.HELD_OUT_START, options.evalImages());
        List<Run> runs = new ArrayList<>();
        for (long seed : options.seeds()) {
            List<LabeledImage> pool =
                    synthetic.images(seed * 1_000_000L, options.poolImages()); // a fresh pool per seed
            for (Strategy strategy : Strategy.values()) {
                runs.add(run(strategy, seed, pool, heldOut));
            }
        }
        return new Result(options, runs);
    }

    private Run run(Strategy strategy, long seed, List<LabeledImage> pool, List<LabeledImage> heldOut) {
        long started = System.nanoTime();
        Random random = new Random(seed);
        List<LabeledImage> labeled = new ArrayList<>(LabelSelector.random(pool, options.initialLabels(), random));
        List<Point> curve = new ArrayList<>();
        try (NDManager manager = NDManager.newBaseManager(Devices.of(config.device()))) {
            manager.getEngine().setRandomSeed((int) seed);
            try (Classifier classifier = new Classifier(
                            ClassifierArchitecture.of(
                                    config, ClassifierArchitecture.Head.FICKLENET, classes.numForeground()),
                            manager,
                            config.classifier().seed());
                    Segmenter segmenter = new Segmenter(
                            SegmenterArchitecture.of(config.segmenter(), classes.size()),
                            manager,
                            config.segmenter().seed())) {
                ClassifierTrainer classifierTrainer =
                        new ClassifierTrainer(classifier, config, classes, ClassifierTrainer.Objective.RECAM);
                SegmenterTrainer segmenterTrainer = new SegmenterTrainer(
                        segmenter, config, classes, new SegmenterTrainer.Objective(false, false, false));
                ImageScorer scorer = new ImageScorer(config, classes);
                LabelSelector selector = new LabelSelector(config.active(), classes);
                Random batches = new Random(seed * 31 + 7);
                String label = label(strategy, seed);
                for (int round = 0; ; round++) {
                    progress.start(
                            label + ", " + labeled.size() + " labels: training",
                            options.classifierStepsPerRound() + options.segmenterStepsPerRound());
                    train(classifierTrainer, segmenterTrainer, labeled, batches);
                    double miou = SegmentationBenchmark.evaluate(
                                    segmenter,
                                    heldOut,
                                    classes,
                                    config.segmenter().batchSize())
                            .miou();
                    curve.add(new Point(labeled.size(), miou));
                    if (round == options.rounds()) {
                        break;
                    }
                    List<LabeledImage> unlabeled = unlabeled(pool, labeled);
                    labeled.addAll(
                            strategy == Strategy.RANDOM
                                    ? LabelSelector.random(unlabeled, options.batch(), random)
                                    : selectActively(
                                            scorer, selector, classifier, segmenter, unlabeled, labeled, label));
                }
            }
        }
        Run run = new Run(strategy, seed, curve, (System.nanoTime() - started) / 1e9);
        progress.note(String.format(
                Locale.ROOT,
                "%s done in %.0f s: %s",
                label(strategy, seed),
                run.seconds(),
                curve.stream()
                        .map(p -> String.format(Locale.ROOT, "%d labels %.3f", p.labels(), p.miou()))
                        .collect(Collectors.joining(", "))));
        return run;
    }

    private static String label(Strategy strategy, long seed) {
        return String.format(Locale.ROOT, "seed %d, %s", seed, strategy.name().toLowerCase(Locale.ROOT));
    }

    private void train(
            ClassifierTrainer classifierTrainer,
            SegmenterTrainer segmenterTrainer,
            List<LabeledImage> labeled,
            Random batches) {
        int done = 0;
        for (int step = 0; step < options.classifierStepsPerRound(); step++) {
            classifierTrainer.step(draw(labeled, config.classifier().batchSize(), batches));
            progress.update(++done, "classifier");
        }
        for (int step = 0; step < options.segmenterStepsPerRound(); step++) {
            segmenterTrainer.step(draw(labeled, config.segmenter().batchSize(), batches).stream()
                    .map(image -> new SegmenterTrainer.Example(image, Batches.maskLabels(image.mask())))
                    .toList());
            progress.update(++done, "segmenter");
        }
    }

    private List<LabeledImage> selectActively(
            ImageScorer scorer,
            LabelSelector selector,
            Classifier classifier,
            Segmenter segmenter,
            List<LabeledImage> unlabeled,
            List<LabeledImage> labeled,
            String label) {
        progress.start(label + ", " + labeled.size() + " labels: scoring the pool", unlabeled.size());
        List<Candidate> candidates = new ArrayList<>();
        int batchSize = config.segmenter().batchSize();
        for (int from = 0; from < unlabeled.size(); from += batchSize) {
            candidates.addAll(scorer.score(
                    classifier,
                    segmenter,
                    unlabeled.subList(from, Math.min(unlabeled.size(), from + batchSize)),
                    0,
                    0));
            progress.update(candidates.size(), "");
        }
        Map<Integer, Long> labelsSeen = new HashMap<>();
        labeled.forEach(image -> Arrays.stream(image.labels()).forEach(id -> labelsSeen.merge(id, 1L, Long::sum)));
        List<float[]> asked = labeled.stream().map(Thumbnail::of).toList();
        Map<String, LabeledImage> byId = unlabeled.stream().collect(Collectors.toMap(LabeledImage::id, image -> image));
        return selector.select(candidates, labelsSeen, asked, options.batch()).choices().stream()
                .map(choice -> byId.get(choice.candidate().imageId()))
                .toList();
    }

    private static List<LabeledImage> draw(List<LabeledImage> images, int count, Random random) {
        List<LabeledImage> batch = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            batch.add(images.get(random.nextInt(images.size())));
        }
        return batch;
    }

    private static List<LabeledImage> unlabeled(List<LabeledImage> pool, List<LabeledImage> labeled) {
        Set<String> taken = labeled.stream().map(LabeledImage::id).collect(Collectors.toSet());
        return pool.stream().filter(image -> !taken.contains(image.id())).toList();
    }

    /** Mean and sample standard deviation of each strategy's mIoU at each label count. */
    public static Map<Strategy, List<double[]>> summary(Result result) {
        Map<Strategy, List<double[]>> summary = new LinkedHashMap<>();
        for (Strategy strategy : Strategy.values()) {
            List<Run> runs = result.runs().stream()
                    .filter(run -> run.strategy() == strategy)
                    .toList();
            List<double[]> rows = new ArrayList<>();
            for (int i = 0; i < runs.get(0).curve().size(); i++) {
                int index = i;
                double[] values = runs.stream()
                        .mapToDouble(run -> run.curve().get(index).miou())
                        .toArray();
                double mean = Arrays.stream(values).average().orElse(0);
                double variance = values.length < 2
                        ? 0
                        : Arrays.stream(values)
                                        .map(v -> (v - mean) * (v - mean))
                                        .sum()
                                / (values.length - 1);
                rows.add(new double[] {runs.get(0).curve().get(i).labels(), mean, Math.sqrt(variance)});
            }
            summary.put(strategy, rows);
        }
        return summary;
    }

    /**
     * Labels active selection saves: the final budget minus the labels at which its mean curve
     * (linearly interpolated) first reaches random's final mean mIoU; negative when it never does.
     */
    public static double labelsSaved(Map<Strategy, List<double[]>> summary) {
        List<double[]> active = summary.get(Strategy.ACTIVE);
        List<double[]> random = summary.get(Strategy.RANDOM);
        double target = random.get(random.size() - 1)[1];
        double finalBudget = random.get(random.size() - 1)[0];
        for (int i = 0; i < active.size(); i++) {
            if (active.get(i)[1] >= target) {
                if (i == 0) {
                    return finalBudget - active.get(0)[0];
                }
                double[] before = active.get(i - 1);
                double[] at = active.get(i);
                double labels = before[0] + (target - before[1]) / (at[1] - before[1]) * (at[0] - before[0]);
                return finalBudget - labels;
            }
        }
        return -1;
    }
}
