package io.seedstream.segmentation.train;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.seedstream.segmentation.config.SeedStreamConfig;
import io.seedstream.segmentation.data.LabeledImage;
import io.seedstream.segmentation.data.SyntheticDataset;
import io.seedstream.segmentation.nn.Autograd;
import io.seedstream.segmentation.nn.Classifier;
import io.seedstream.segmentation.nn.ClassifierArchitecture;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.assertj.core.api.Assertions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class ClassifierTrainerTest {

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
                    "ficklenet.windowSize",
                    "3",
                    "classifier.batchSize",
                    "12",
                    "classifier.learningRate",
                    "0.005"));
    private static final SyntheticDataset DATA = new SyntheticDataset(CONFIG.synthetic());

    @BeforeAll
    static void inferenceThreadDefaults() {
        Autograd.disableOnThisThread();
    }

    /** Gradients flow and the optimizer steps: both heads can fit one fixed batch. */
    @Test
    void bceTrainingFitsAFixedBatchWithBothHeads() {
        for (ClassifierArchitecture.Head head : ClassifierArchitecture.Head.values()) {
            double[] losses = train(head, ClassifierTrainer.Objective.BCE, 40);
            assertThat(mean(losses, 35, 40)).as(head.name()).isLessThan(0.5 * mean(losses, 0, 5));
        }
    }

    @Test
    void reCamAndGainAddTheirTermsAndGainExtUsesPixelMasks() {
        try (NDManager manager = NDManager.newBaseManager();
                Classifier model = new Classifier(
                        ClassifierArchitecture.of(CONFIG, ClassifierArchitecture.Head.GAP, 3), manager, 1)) {
            List<LabeledImage> batch = DATA.images(0, 12);
            var reCam =
                    new ClassifierTrainer(model, CONFIG, DATA.classes(), ClassifierTrainer.Objective.RECAM).step(batch);
            assertThat(reCam.reCam()).isPositive();
            assertThat(reCam.total()).isCloseTo(reCam.bce() + reCam.reCam(), Assertions.within(1e-4));

            // Mining waits for gain.startStep classifier steps (here 2) of BCE alone, then adds alpha (0.2) x mining.
            var gainTrainer = new ClassifierTrainer(
                    model, CONFIG.with("gain.startStep", 2), DATA.classes(), ClassifierTrainer.Objective.GAIN);
            assertThat(gainTrainer.isMining()).isFalse();
            for (int step = 0; step < 2; step++) {
                var pretraining = gainTrainer.step(withoutMasks(batch));
                assertThat(pretraining.attentionMining()).isZero();
                assertThat(pretraining.total()).isEqualTo(pretraining.bce());
            }
            assertThat(gainTrainer.isMining()).isTrue();
            var weakOnly = gainTrainer.step(withoutMasks(batch));
            assertThat(weakOnly.attentionMining()).isPositive();
            assertThat(weakOnly.gainExtension()).isZero();
            assertThat(weakOnly.total())
                    .isCloseTo(weakOnly.bce() + 0.2 * weakOnly.attentionMining(), Assertions.within(1e-4));
            // A batch without any label has nothing to erase: BCE alone, no NaN.
            List<LabeledImage> unlabeled = batch.stream()
                    .map(i -> new LabeledImage(i.id(), i.width(), i.height(), i.rgb(), null, new int[0]))
                    .toList();
            var nothingPresent = gainTrainer.step(unlabeled);
            assertThat(nothingPresent.attentionMining()).isZero();
            assertThat(nothingPresent.total()).isFinite().isEqualTo(nothingPresent.bce());
            var withMasks = gainTrainer.step(batch);
            assertThat(withMasks.gainExtension()).isPositive();
            assertThat(withMasks.total())
                    .isCloseTo(
                            withMasks.bce() + 0.2 * withMasks.attentionMining() + 10 * withMasks.gainExtension(),
                            Assertions.within(1e-4));
        }
    }

    @Test
    void attentionIsMinMaxNormalisedWithDetachedNormalisers() {
        try (NDManager manager = NDManager.newBaseManager()) {
            // one 1 x 3 map with values 1, 3, 5: (x - 1) / (4 + 1e-5); the gradient of the sum is 1 / range per pixel,
            // as the minimum and the range are constants
            NDArray maps = manager.create(new float[] {1, 3, 5}, new Shape(1, 1, 1, 3));
            maps.setRequiresGradient(true);
            try (Autograd.Recording recording = Autograd.record()) {
                NDArray normalized = ClassifierTrainer.minMaxNormalized(maps);
                assertThat(normalized.toFloatArray())
                        .usingComparatorWithPrecision(1e-5f)
                        .containsExactly(0f, 0.5f, 1f);
                recording.backward(normalized.sum());
            }
            assertThat(maps.getGradient().toFloatArray())
                    .usingComparatorWithPrecision(1e-5f)
                    .containsExactly(0.25f, 0.25f, 0.25f);
        }
    }

    /**
     * Mining erases at most maxErasedImages pairs: all of them when there are no more, otherwise
     * that many distinct pairs, each as likely as any other (2 of 5: each pair in 2/5 of the draws).
     */
    @Test
    void miningDrawsAtMostMaxErasedImagesPairsEachEquallyLikely() {
        long[] pairs = {1, 4, 6, 9, 13};
        Random random = new Random(3);
        assertThat(ClassifierTrainer.drawn(pairs, 5, random)).containsExactly(1, 4, 6, 9, 13);
        assertThat(ClassifierTrainer.drawn(pairs, 8, random)).containsExactly(1, 4, 6, 9, 13);
        Map<Long, Integer> times = new HashMap<>();
        int draws = 20_000;
        for (int i = 0; i < draws; i++) {
            long[] two = ClassifierTrainer.drawn(pairs, 2, random);
            assertThat(two).hasSize(2).isSorted().doesNotHaveDuplicates();
            for (long pair : two) {
                times.merge(pair, 1, Integer::sum);
            }
        }
        // only the five pairs, and 2/5 of 20,000 draws = 8,000 each; the binomial's standard deviation is ~69, so 8,000
        // +- 350 is 5 of them
        assertThat(times)
                .containsOnlyKeys(1L, 4L, 6L, 9L, 13L)
                .allSatisfy((pair, n) -> assertThat(n).isBetween(7_650, 8_350));
    }

    private static double[] train(ClassifierArchitecture.Head head, ClassifierTrainer.Objective objective, int steps) {
        try (NDManager manager = NDManager.newBaseManager();
                Classifier model = new Classifier(ClassifierArchitecture.of(CONFIG, head, 3), manager, 1)) {
            manager.getEngine().setRandomSeed(5); // FickleNet's dropout masks
            ClassifierTrainer trainer = new ClassifierTrainer(model, CONFIG, DATA.classes(), objective);
            List<LabeledImage> batch = withoutMasks(DATA.images(0, 12));
            double[] losses = new double[steps];
            for (int step = 0; step < steps; step++) {
                losses[step] = trainer.step(batch).total();
            }
            return losses;
        }
    }

    private static List<LabeledImage> withoutMasks(List<LabeledImage> batch) {
        List<LabeledImage> out = new ArrayList<>();
        for (LabeledImage i : batch) {
            out.add(new LabeledImage(i.id(), i.width(), i.height(), i.rgb(), null, i.labels()));
        }
        return out;
    }

    private static double mean(double[] values, int from, int to) {
        double sum = 0;
        for (int i = from; i < to; i++) {
            sum += values[i];
        }
        return sum / (to - from);
    }
}
