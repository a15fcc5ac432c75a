package io.seedstream.segmentation.train;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import io.seedstream.segmentation.config.SeedStreamConfig;
import io.seedstream.segmentation.data.LabeledImage;
import io.seedstream.segmentation.data.SyntheticDataset;
import io.seedstream.segmentation.nn.Autograd;
import io.seedstream.segmentation.nn.Classifier;
import io.seedstream.segmentation.nn.ClassifierArchitecture;
import io.seedstream.segmentation.nn.FreedMemory;
import io.seedstream.segmentation.nn.Segmenter;
import io.seedstream.segmentation.nn.SegmenterArchitecture;
import io.seedstream.segmentation.snapshot.ModelSnapshot;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Training steps give the same weights whether or not the JVM collects garbage and reuses freed
 * native memory during them: GAIN's mining and DSRG's boundary loss once had their gradients
 * scaled by freed memory (DJL's arithmetic with a Number, see {@code Ops.mul}), which showed as
 * steps skipped for non-finite gradients and, more often, as wrong but finite gradients.
 */
class TrainingAcrossCollectionsTest {

    private static final SeedStreamConfig CONFIG = SeedStreamConfig.defaults()
            .with(Map.of(
                    "synthetic.imageSize",
                    "32",
                    "synthetic.numClasses",
                    "3",
                    "synthetic.maxObjects",
                    "2",
                    "backbone.channels",
                    "8,16,16",
                    "backbone.strides",
                    "2,2,1",
                    "backbone.dilations",
                    "1,1,1",
                    "segmenter.channels",
                    "8,8,16,16,16,16",
                    "ficklenet.windowSize",
                    "3",
                    "classifier.batchSize",
                    "6"))
            .with(Map.of("gain.startStep", "0", "boundary.warmupSteps", "0", "boundary.rampSteps", "0"));
    private static final SyntheticDataset DATA = new SyntheticDataset(CONFIG.synthetic());
    private static final int STEPS = 8;

    @BeforeAll
    static void inferenceThreadDefaults() {
        Autograd.disableOnThisThread();
    }

    @Test
    void gainAndBoundaryStepsGiveTheSameWeightsWhileMemoryIsCollectedAndReused() throws Exception {
        Map<String, float[]> quiet = train();
        assertSameWeights(train(), quiet); // training is deterministic
        AtomicBoolean running = new AtomicBoolean(true);
        Thread collector = new Thread(
                () -> {
                    while (running.get()) {
                        FreedMemory.collectAndReuse();
                    }
                },
                "garbage-collector-and-reuser");
        collector.start();
        Map<String, float[]> collected;
        try {
            collected = train();
        } finally {
            running.set(false);
            collector.join();
        }
        assertSameWeights(collected, quiet);
    }

    private static void assertSameWeights(Map<String, float[]> actual, Map<String, float[]> expected) {
        assertThat(actual.keySet()).isEqualTo(expected.keySet());
        for (Map.Entry<String, float[]> e : expected.entrySet()) {
            assertThat(actual.get(e.getKey())).as(e.getKey()).containsExactly(e.getValue());
        }
    }

    /** A classifier mining attention and a segmenter with the boundary loss, STEPS each; every weight afterwards. */
    private static Map<String, float[]> train() {
        Map<String, float[]> weights = new LinkedHashMap<>();
        List<LabeledImage> batch = DATA.images(0, 6);
        try (NDManager manager = NDManager.newBaseManager();
                Classifier classifier = new Classifier(
                        ClassifierArchitecture.of(CONFIG, ClassifierArchitecture.Head.GAP, 3), manager, 1);
                Segmenter segmenter = new Segmenter(
                        SegmenterArchitecture.of(
                                CONFIG.segmenter(), DATA.classes().size()),
                        manager,
                        2)) {
            ClassifierTrainer classifierTrainer =
                    new ClassifierTrainer(classifier, CONFIG, DATA.classes(), ClassifierTrainer.Objective.GAIN);
            SegmenterTrainer segmenterTrainer = new SegmenterTrainer(
                    segmenter, CONFIG, DATA.classes(), new SegmenterTrainer.Objective(true, true, true));
            List<SegmenterTrainer.Example> examples = batch.stream()
                    .map(i -> new SegmenterTrainer.Example(i, Batches.maskLabels(i.mask())))
                    .toList();
            for (int step = 0; step < STEPS; step++) {
                assertThat(classifierTrainer.step(batch).attentionMining()).isPositive();
                assertThat(segmenterTrainer.step(examples).boundary()).isPositive();
            }
            ModelSnapshot.of("c", 0, classifier, DATA.classes().names())
                    .parameters()
                    .forEach((k, v) -> weights.put("classifier " + k, v));
            ModelSnapshot.of("s", 0, segmenter, DATA.classes().names())
                    .parameters()
                    .forEach((k, v) -> weights.put("segmenter " + k, v));
        }
        return weights;
    }
}
