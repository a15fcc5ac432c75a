package io.seedstream.benchmarks;

import ai.djl.TrainingDivergedException;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.seedstream.segmentation.affinity.AffinityLabels;
import io.seedstream.segmentation.affinity.AffinityWalk;
import io.seedstream.segmentation.config.SeedStreamConfig;
import io.seedstream.segmentation.data.ClassList;
import io.seedstream.segmentation.data.LabeledImage;
import io.seedstream.segmentation.localization.ImageClassMaps;
import io.seedstream.segmentation.localization.MultiScaleMaps;
import io.seedstream.segmentation.localization.StochasticLocalizer;
import io.seedstream.segmentation.memory.ClassMemory;
import io.seedstream.segmentation.memory.MemoryContext;
import io.seedstream.segmentation.nn.AffinityArchitecture;
import io.seedstream.segmentation.nn.AffinityHead;
import io.seedstream.segmentation.nn.Autograd;
import io.seedstream.segmentation.nn.Classifier;
import io.seedstream.segmentation.seeds.ConfidentSeeds;
import io.seedstream.segmentation.seeds.LabelCrf;
import io.seedstream.segmentation.train.AffinityTrainer;
import io.seedstream.segmentation.train.Batches;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.DoubleStream;
import java.util.stream.IntStream;

/**
 * The pseudo-label half of the segmentation benchmark: every stage from class maps to dense
 * pseudo-labels is a row, scored against the training images' true masks. Class-map rows are
 * turned into label maps by the background constant (IRN's evaluation rule); that constant, for
 * each row, and the row the segmenters train on are chosen on a separate tuning split, never on
 * the images the rows are scored on.
 */
final class PseudoLabelAblation {

    /** The background constants tried on the tuning split. */
    private static final double[] BACKGROUND_SCORES =
            IntStream.rangeClosed(1, 14).mapToDouble(i -> 0.05 * i).toArray();

    /**
     * @param rows scores of every stage on the training images, in pipeline order
     * @param backgroundScores the constant chosen on the tuning split for each dense row
     * @param bestRow the row the segmenters train on (best on the tuning split)
     * @param trainingLabels that row's labels of every training image
     * @param seedRow the sparse seed row (CRF seeds or walk seeds) best on the tuning split: what
     *     the growing segmenters grow from, as DSRG grows its seeds
     * @param seedLabels that row's seeds of every training image
     * @param affinitySkippedSteps affinity head steps skipped for a non-finite loss
     */
    record Outcome(
            Map<String, SegmentationBenchmark.Scores> rows,
            Map<String, Double> backgroundScores,
            String bestRow,
            List<int[]> trainingLabels,
            String seedRow,
            List<int[]> seedLabels,
            int affinitySkippedSteps) {}

    /** A class-map stage: the classifier and how its maps are read. */
    private record MapRow(String name, Classifier classifier, ImageClassMaps maps) {}

    private final SeedStreamConfig config;
    private final ClassList classes;
    private final Progress progress;
    private final List<LabeledImage> tuning;
    private final List<LabeledImage> train;
    /** Each image's CRF, its kernels built once for every labelling of it (thresholds tried, seeds, growing). */
    private final List<LabelCrf.ImageCrf> tuningCrfs;

    private final List<LabelCrf.ImageCrf> trainCrfs;
    /** The first training images drawn stage by stage, when a sheet is asked for. */
    private final PseudoLabelSheet sheet;

    private int affinitySkippedSteps;
    private static final int SHEET_IMAGES = 8;

    /** @param trainCrfs the CRF of each training image, in order, shared with the growing segmenters */
    PseudoLabelAblation(
            SeedStreamConfig config,
            ClassList classes,
            Progress progress,
            List<LabeledImage> tuning,
            List<LabeledImage> train,
            List<LabelCrf.ImageCrf> trainCrfs,
            boolean drawSheet) {
        this.sheet = drawSheet ? new PseudoLabelSheet(classes) : null;
        this.config = config;
        this.classes = classes;
        this.progress = progress;
        this.tuning = tuning;
        this.train = train;
        this.tuningCrfs = crfs(config.seeds(), tuning);
        this.trainCrfs = trainCrfs;
    }

    /** The CRF of each image with the configured settings (at the image's size); kernels are built on first use. */
    static List<LabelCrf.ImageCrf> crfs(SeedStreamConfig.Seeds settings, List<LabeledImage> images) {
        ConfidentSeeds rule = new ConfidentSeeds(settings);
        return images.stream()
                .map(image -> rule.crf(image.rgb(), image.width(), image.height()))
                .toList();
    }

    /**
     * @param stride8 today's classifier (output stride 8), or null to leave its row out
     * @param cam the output-stride-4 classifier after CAM training
     * @param reCam the same after ReCAM's fine-tuning
     */
    Outcome run(NDManager manager, Classifier stride8, Classifier cam, Classifier reCam) {
        Map<String, SegmentationBenchmark.Scores> rows = new LinkedHashMap<>();
        Map<String, Double> backgroundScores = new LinkedHashMap<>();
        Map<String, Double> tuningMiou = new LinkedHashMap<>();
        MultiScaleMaps single = new MultiScaleMaps(List.of(1.0), false);
        MultiScaleMaps multi =
                new MultiScaleMaps(config.cam().scales(), config.cam().flip());
        List<MapRow> mapRows = new ArrayList<>();
        if (stride8 != null) {
            mapRows.add(new MapRow("cam-stride8", stride8, new ImageClassMaps(single, false, null)));
        }
        mapRows.add(new MapRow("cam-stride4", cam, new ImageClassMaps(single, false, null)));
        mapRows.add(new MapRow("multi-scale-flip", cam, new ImageClassMaps(multi, false, null)));
        mapRows.add(new MapRow(
                "ficklenet", cam, new ImageClassMaps(multi, false, new StochasticLocalizer(config.ficklenet()))));
        mapRows.add(new MapRow("recam", reCam, new ImageClassMaps(multi, true, null)));

        // Each class-map row: its constant chosen on the tuning split, then scored on the training images.
        String bestMapRow = null;
        Maps best = null;
        if (sheet != null) {
            sheet.addImages(sheetImages());
        }
        for (MapRow row : mapRows) {
            Maps maps = new Maps(
                    maps(row, tuning, "maps: " + row.name() + " (tuning)"), maps(row, train, "maps: " + row.name()));
            draw(row.name(), maps.train);
            double score = tune(row.name(), maps.tuning, backgroundScores, tuningMiou);
            rows.put(row.name(), score(maps.train, score));
            if (bestMapRow == null || tuningMiou.get(row.name()) > tuningMiou.get(bestMapRow)) {
                bestMapRow = row.name();
                best = maps;
            }
        }
        String chosenMapRow = bestMapRow;
        Classifier mapsClassifier = mapRows.stream()
                .filter(r -> r.name().equals(chosenMapRow))
                .findFirst()
                .orElseThrow()
                .classifier();

        // MCIBI's dataset-level context on the best maps, the memory updated image by image in stream order.
        Maps remembered = withMemory(mapsClassifier, best, backgroundScores, tuningMiou);
        draw("class-memory", remembered.train);
        rows.put(
                "class-memory",
                score(remembered.train, tune("class-memory", remembered.tuning, backgroundScores, tuningMiou)));
        if (tuningMiou.get("class-memory") > tuningMiou.get(bestMapRow)) {
            best = remembered;
        }

        // Confident seeds of the best maps, their two thresholds chosen on the tuning split; without and with the CRF.
        ConfidentSeeds crf = new ConfidentSeeds(tunedSeeds(best.tuning, backgroundScores));
        ConfidentSeeds plain = new ConfidentSeeds(withCrf(crf.settings(), false));
        List<int[]> confident = seeds(plain, best.train, train, trainCrfs, "confident seeds");
        rows.put("confident-seeds", scoreLabels(confident, train));
        List<int[]> crfSeeds = seeds(crf, best.train, train, trainCrfs, "confident seeds + CRF");
        rows.put("crf-seeds", scoreLabels(crfSeeds, train));
        tuningMiou.put(
                "crf-seeds",
                scoreLabels(seeds(crf, best.tuning, tuning, tuningCrfs, "confident seeds + CRF (tuning)"), tuning)
                        .miou());
        drawLabels("confident-seeds", confident);
        drawLabels("crf-seeds", crfSeeds);

        // The dense labelling of the best maps refined by the CRF, its constant chosen on the tuning split.
        double crfScore = tuneCrfLabels(crf, best.tuning, backgroundScores, tuningMiou);
        List<int[]> crfLabels = crfLabels(crf, best.train, train, trainCrfs, crfScore, "CRF labels");
        rows.put("crf-labels", scoreLabels(crfLabels, train));
        drawLabels("crf-labels", crfLabels);

        // The affinity head learns from the CRF seeds, then walks the best maps.
        AffinityWalk walk = new AffinityWalk(config.affinity());
        try (AffinityHead head = trainAffinity(manager, mapsClassifier, crfSeeds)) {
            List<float[]> walkedTuning =
                    walked(head, mapsClassifier, walk, best.tuning, tuning, "affinity walk (tuning)");
            List<float[]> walkedTrain = walked(head, mapsClassifier, walk, best.train, train, "affinity walk");
            double score = tune("affinity-walk", walkedTuning, backgroundScores, tuningMiou);
            rows.put("affinity-walk", score(walkedTrain, score));
            List<int[]> walkSeeds = seeds(crf, walkedTrain, train, trainCrfs, "walk seeds");
            rows.put("walk-seeds", scoreLabels(walkSeeds, train));
            draw("walked maps", walkedTrain);
            List<int[]> walkLabels = denseLabels(walkedTrain, score);
            drawLabels("affinity-walk", walkLabels);
            drawLabels("walk-seeds", walkSeeds);
            tuningMiou.put(
                    "walk-seeds",
                    scoreLabels(seeds(crf, walkedTuning, tuning, tuningCrfs, "walk seeds (tuning)"), tuning)
                            .miou());
            Map<String, List<int[]>> labels = Map.of(
                    "crf-seeds",
                    crfSeeds,
                    "crf-labels",
                    crfLabels,
                    "affinity-walk",
                    walkLabels,
                    "walk-seeds",
                    walkSeeds);
            String bestRow = bestOf(tuningMiou, List.of("crf-seeds", "crf-labels", "affinity-walk", "walk-seeds"));
            String seedRow = bestOf(tuningMiou, List.of("crf-seeds", "walk-seeds"));
            return new Outcome(
                    rows,
                    backgroundScores,
                    bestRow,
                    labels.get(bestRow),
                    seedRow,
                    labels.get(seedRow),
                    affinitySkippedSteps);
        }
    }

    private record Maps(List<float[]> tuning, List<float[]> train) {}

    private List<LabeledImage> sheetImages() {
        return train.subList(0, Math.min(SHEET_IMAGES, train.size()));
    }

    private void draw(String stage, List<float[]> maps) {
        if (sheet != null) {
            sheet.addMaps(stage, maps.subList(0, sheetImages().size()), sheetImages());
        }
    }

    private void drawLabels(String stage, List<int[]> labels) {
        if (sheet != null) {
            sheet.addLabels(stage, labels.subList(0, sheetImages().size()));
        }
    }

    /** Writes the sheet drawn during {@link #run} (see {@link PseudoLabelSheet}); returns its stages in order. */
    List<String> writeSheet(Path file) throws IOException {
        LabeledImage first = train.get(0);
        sheet.write(file, first.width(), first.height());
        return sheet.stages();
    }

    /** The class memory's context weights and temperatures tried on the tuning split. */
    private static final double[] MEMORY_WEIGHTS = {0.1, 0.25, 0.5};

    private static final double[] MEMORY_TEMPERATURES = {0.05, 0.1, 0.2};

    /**
     * The maps mixed with the class memory's context: per pixel, a softmax over the image's classes
     * and the background of the cosine to their memories (the background's nearest prototype),
     * mixed into each class's map. The memory learns from each training image after it is refined,
     * from the features of its confident seeds (no CRF), in stream order; the tuning images see the
     * final memory, and the context's weight and temperature are those with the best tuning mIoU
     * (recorded under "memory-weight" and "memory-temperature").
     */
    private Maps withMemory(
            Classifier classifier, Maps maps, Map<String, Double> chosen, Map<String, Double> tuningMiou) {
        SeedStreamConfig.ClassMemory settings = config.memory();
        ClassMemory memory = new ClassMemory(settings);
        ConfidentSeeds seedRule = new ConfidentSeeds(withCrf(false));
        // What the memory holds after the stream does not depend on the context mixed into the maps.
        Map<Integer, ClassMemory.State> finalStates = new HashMap<>();
        refinedByMemory(
                classifier, maps.train, this.train, finalStates, memory, seedRule, settings, "class memory (learning)");
        SeedStreamConfig.ClassMemory best = settings;
        List<float[]> bestTuning = null;
        double bestMiou = -1;
        for (double weight : MEMORY_WEIGHTS) {
            for (double temperature : MEMORY_TEMPERATURES) {
                SeedStreamConfig.ClassMemory candidate = new SeedStreamConfig.ClassMemory(
                        settings.initialMomentum(),
                        settings.power(),
                        settings.annealingUpdates(),
                        settings.minMomentum(),
                        weight,
                        temperature,
                        settings.backgroundPrototypes());
                List<float[]> tuningMaps = refinedByMemory(
                        classifier,
                        maps.tuning,
                        tuning,
                        finalStates,
                        null,
                        seedRule,
                        candidate,
                        String.format("class memory at weight %.2f, temperature %.2f (tuning)", weight, temperature));
                Map<String, Double> scores = new LinkedHashMap<>();
                tune("class-memory", tuningMaps, scores, scores);
                if (scores.get("class-memory") > bestMiou) {
                    bestMiou = scores.get("class-memory");
                    best = candidate;
                    bestTuning = tuningMaps;
                }
            }
        }
        chosen.put("memory-weight", best.contextWeight());
        chosen.put("memory-temperature", best.temperature());
        List<float[]> train = refinedByMemory(
                classifier, maps.train, this.train, new HashMap<>(), memory, seedRule, best, "class memory");
        return new Maps(bestTuning, train);
    }

    /** With a {@code memory}, each image also updates the states after it is refined. */
    private List<float[]> refinedByMemory(
            Classifier classifier,
            List<float[]> maps,
            List<LabeledImage> images,
            Map<Integer, ClassMemory.State> states,
            ClassMemory memory,
            ConfidentSeeds seedRule,
            SeedStreamConfig.ClassMemory settings,
            String phase) {
        int background = classes.background();
        progress.start(phase, images.size());
        List<float[]> refined = new ArrayList<>(images.size());
        for (int i = 0; i < images.size(); i++) {
            LabeledImage image = images.get(i);
            int[] ids = image.labels();
            if (ids.length == 0) {
                refined.add(maps.get(i));
                progress.update(i + 1, "");
                continue;
            }
            try (NDManager scope = classifier.parameters().manager().newSubManager()) {
                NDArray features = classifier.features(Batches.images(scope, List.of(image)), false);
                NDArray map = scope.create(maps.get(i), new Shape(1, ids.length, image.height(), image.width()));
                refined.add(MemoryContext.refineWithMemory(features, map, ids, background, states, settings)
                        .toFloatArray());
                if (memory != null) {
                    Shape shape = features.getShape();
                    int[] seeds =
                            seedRule.seeds(maps.get(i), ids, background, image.rgb(), image.width(), image.height());
                    int[] reduced = AffinityLabels.downsample(
                            seeds, image.width(), image.height(), (int) shape.get(3), (int) shape.get(2));
                    MemoryContext.classFeatures(features.toFloatArray(), (int) shape.get(1), reduced, ids, background)
                            .forEach((id, rows) -> states.put(
                                    id,
                                    memory.update(
                                            states.getOrDefault(id, ClassMemory.State.EMPTY),
                                            rows,
                                            id == background ? settings.backgroundPrototypes() : 1)));
                }
            }
            progress.update(i + 1, "");
        }
        return refined;
    }

    private SeedStreamConfig.Seeds withCrf(boolean on) {
        return withCrf(config.seeds(), on);
    }

    private static SeedStreamConfig.Seeds withCrf(SeedStreamConfig.Seeds s, boolean on) {
        return ConfidentSeeds.with(s, s.foregroundThreshold(), s.backgroundThreshold(), on);
    }

    /** The thresholds tried for confident seeds; each labelling is computed once per threshold and image. */
    private static final double[] FOREGROUND_THRESHOLDS = {0.3, 0.4, 0.5, 0.6, 0.7};

    private static final double[] BACKGROUND_THRESHOLDS = {0.05, 0.1, 0.2, 0.3};

    /** The confident seeds' thresholds (with the CRF) with the best mIoU on the tuning split; recorded under "seeds-fg" and "seeds-bg". */
    private SeedStreamConfig.Seeds tunedSeeds(List<float[]> tuningMaps, Map<String, Double> chosen) {
        ConfidentSeeds rule = new ConfidentSeeds(withCrf(true));
        double[] all = DoubleStream.concat(Arrays.stream(FOREGROUND_THRESHOLDS), Arrays.stream(BACKGROUND_THRESHOLDS))
                .distinct()
                .toArray();
        Map<Double, List<int[]>> labellings = new LinkedHashMap<>();
        for (double threshold : all) {
            labellings.put(
                    threshold,
                    Parallel.map(
                            tuning.size(), progress, String.format("seed labelling at %.2f (tuning)", threshold), i -> {
                                LabeledImage image = tuning.get(i);
                                int m = image.labels().length;
                                return m == 0
                                        ? new int[image.width() * image.height()]
                                        : rule.labelling(tuningMaps.get(i), m, threshold, tuningCrfs.get(i));
                            }));
        }
        double bestForeground = FOREGROUND_THRESHOLDS[0];
        double bestBackground = BACKGROUND_THRESHOLDS[0];
        double bestMiou = -1;
        for (double foreground : FOREGROUND_THRESHOLDS) {
            for (double background : BACKGROUND_THRESHOLDS) {
                if (background >= foreground) {
                    continue;
                }
                List<int[]> seeds = new ArrayList<>();
                for (int i = 0; i < tuning.size(); i++) {
                    seeds.add(ConfidentSeeds.combine(
                            labellings.get(foreground).get(i),
                            labellings.get(background).get(i),
                            tuning.get(i).labels(),
                            classes.background()));
                }
                double miou = scoreLabels(seeds, tuning).miou();
                if (miou > bestMiou) {
                    bestMiou = miou;
                    bestForeground = foreground;
                    bestBackground = background;
                }
            }
        }
        chosen.put("seeds-fg", bestForeground);
        chosen.put("seeds-bg", bestBackground);
        return ConfidentSeeds.with(config.seeds(), bestForeground, bestBackground, true);
    }

    /** The constant for the CRF-refined dense labelling with the best mIoU on the tuning split. */
    private double tuneCrfLabels(
            ConfidentSeeds rule, List<float[]> tuningMaps, Map<String, Double> chosen, Map<String, Double> tuningMiou) {
        double best = BACKGROUND_SCORES[0];
        double bestMiou = -1;
        for (double score : BACKGROUND_SCORES) {
            double miou = scoreLabels(
                            crfLabels(
                                    rule,
                                    tuningMaps,
                                    tuning,
                                    tuningCrfs,
                                    score,
                                    String.format("CRF labels at %.2f (tuning)", score)),
                            tuning)
                    .miou();
            if (miou > bestMiou) {
                best = score;
                bestMiou = miou;
            }
        }
        chosen.put("crf-labels", best);
        tuningMiou.put("crf-labels", bestMiou);
        return best;
    }

    /** Dense labels: the background constant against the maps in an argmax, refined by the CRF. */
    private List<int[]> crfLabels(
            ConfidentSeeds rule,
            List<float[]> maps,
            List<LabeledImage> images,
            List<LabelCrf.ImageCrf> crfs,
            double constant,
            String phase) {
        return Parallel.map(images.size(), progress, phase, i -> {
            LabeledImage image = images.get(i);
            int m = image.labels().length;
            if (m == 0) {
                return allBackground(image);
            }
            int[] labelling = rule.labelling(maps.get(i), m, constant, crfs.get(i));
            return ConfidentSeeds.combine(labelling, labelling, image.labels(), classes.background());
        });
    }

    /** Image-size maps of the image's classes, class-major, each divided by its maximum. */
    private List<float[]> maps(MapRow row, List<LabeledImage> images, String phase) {
        progress.start(phase, images.size());
        List<float[]> result = new ArrayList<>(images.size());
        for (LabeledImage image : images) {
            int[] index =
                    Arrays.stream(image.labels()).map(classes::classifierIndex).toArray();
            try (NDManager scope = row.classifier().parameters().manager().newSubManager()) {
                result.add(
                        index.length == 0
                                ? new float[0]
                                : row.maps()
                                        .maps(row.classifier(), Batches.images(scope, List.of(image)), index)
                                        .toFloatArray());
            }
            progress.update(result.size(), "");
        }
        return result;
    }

    /** The background constant with the best mIoU on the tuning maps; records it and that mIoU. */
    private double tune(
            String row, List<float[]> tuningMaps, Map<String, Double> chosen, Map<String, Double> tuningMiou) {
        double best = BACKGROUND_SCORES[0];
        double bestMiou = -1;
        for (double score : BACKGROUND_SCORES) {
            double miou =
                    scoreLabels(denseLabels(tuningMaps, tuning, score), tuning).miou();
            if (miou > bestMiou) {
                best = score;
                bestMiou = miou;
            }
        }
        chosen.put(row, best);
        tuningMiou.put(row, bestMiou);
        return best;
    }

    private SegmentationBenchmark.Scores score(List<float[]> trainMaps, double backgroundScore) {
        return scoreLabels(denseLabels(trainMaps, train, backgroundScore), train);
    }

    private List<int[]> denseLabels(List<float[]> maps, double backgroundScore) {
        return denseLabels(maps, train, backgroundScore);
    }

    private List<int[]> denseLabels(List<float[]> maps, List<LabeledImage> images, double backgroundScore) {
        List<int[]> labels = new ArrayList<>(images.size());
        for (int i = 0; i < images.size(); i++) {
            LabeledImage image = images.get(i);
            labels.add(
                    image.labels().length == 0
                            ? allBackground(image)
                            : ConfidentSeeds.argmaxWithBackground(
                                    maps.get(i), image.labels(), classes.background(), backgroundScore));
        }
        return labels;
    }

    private int[] allBackground(LabeledImage image) {
        int[] labels = new int[image.width() * image.height()];
        Arrays.fill(labels, classes.background() >= 0 ? classes.background() : -1);
        return labels;
    }

    private List<int[]> seeds(
            ConfidentSeeds rule,
            List<float[]> maps,
            List<LabeledImage> images,
            List<LabelCrf.ImageCrf> crfs,
            String phase) {
        return Parallel.map(
                images.size(),
                progress,
                phase,
                i -> rule.seeds(maps.get(i), images.get(i).labels(), classes.background(), crfs.get(i)));
    }

    private SegmentationBenchmark.Scores scoreLabels(List<int[]> labels, List<LabeledImage> images) {
        return SegmentationBenchmark.score(labels, images, classes);
    }

    private static String bestOf(Map<String, Double> tuningMiou, List<String> candidates) {
        return candidates.stream()
                .max((a, b) -> Double.compare(tuningMiou.get(a), tuningMiou.get(b)))
                .orElseThrow();
    }

    /** AffinityNet's head on the image's colours and the classifier's levels, trained from the seeds of the training images. */
    private AffinityHead trainAffinity(NDManager manager, Classifier classifier, List<int[]> seeds) {
        SeedStreamConfig.Affinity settings = config.affinity();
        AffinityHead head = new AffinityHead(
                new AffinityArchitecture(classifier.architecture().affinityInputChannels(), settings.channels()),
                manager,
                settings.seed());
        AffinityTrainer trainer = new AffinityTrainer(head, settings, classes.background());
        int batchSize = config.classifier().batchSize();
        List<Integer> order =
                new ArrayList<>(IntStream.range(0, train.size()).boxed().toList());
        Random random = new Random(settings.seed());
        int stepsPerEpoch = (order.size() + batchSize - 1) / batchSize;
        progress.start("training affinity head", (long) settings.epochs() * stepsPerEpoch);
        int step = 0;
        double loss = 0;
        for (int epoch = 0; epoch < settings.epochs(); epoch++) {
            Collections.shuffle(order, random);
            for (int from = 0; from < order.size(); from += batchSize) {
                List<AffinityTrainer.Example> batch =
                        order.subList(from, Math.min(order.size(), from + batchSize)).stream()
                                .map(i -> new AffinityTrainer.Example(train.get(i), seeds.get(i)))
                                .toList();
                try {
                    loss = 0.95 * loss + 0.05 * trainer.step(classifier, batch);
                } catch (TrainingDivergedException e) {
                    affinitySkippedSteps++;
                }
                step++;
                progress.update(
                        step,
                        String.format(
                                "epoch %d/%d  loss %.4f",
                                epoch + 1, settings.epochs(), loss / (1 - Math.pow(0.95, step))));
            }
        }
        return head;
    }

    /** The maps of every image walked with the head's affinities, at image size, divided by their maximum (over the cores). */
    private List<float[]> walked(
            AffinityHead head,
            Classifier classifier,
            AffinityWalk walk,
            List<float[]> maps,
            List<LabeledImage> images,
            String phase) {
        return Parallel.map(images.size(), progress, phase, i -> {
            LabeledImage image = images.get(i);
            int m = image.labels().length;
            if (m == 0) {
                return new float[0];
            }
            Autograd.disableOnThisThread(); // a worker thread records gradients unless told not to
            try (NDManager scope = head.parameters().manager().newSubManager()) {
                NDArray full = scope.create(maps.get(i), new Shape(1, m, image.height(), image.width()));
                return walk.walked(head, classifier, Batches.images(scope, List.of(image)), full)
                        .toFloatArray();
            }
        });
    }
}
