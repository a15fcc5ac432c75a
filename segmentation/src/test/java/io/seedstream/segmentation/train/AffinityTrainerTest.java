package io.seedstream.segmentation.train;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.seedstream.segmentation.affinity.AffinityWalk;
import io.seedstream.segmentation.affinity.PairAffinity;
import io.seedstream.segmentation.config.SeedStreamConfig;
import io.seedstream.segmentation.data.LabeledImage;
import io.seedstream.segmentation.nn.AffinityArchitecture;
import io.seedstream.segmentation.nn.AffinityHead;
import io.seedstream.segmentation.nn.Autograd;
import io.seedstream.segmentation.nn.Classifier;
import io.seedstream.segmentation.nn.ClassifierArchitecture;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class AffinityTrainerTest {

    private static final SeedStreamConfig CONFIG = SeedStreamConfig.defaults()
            .with(Map.of(
                    "synthetic.imageSize",
                    "16",
                    "backbone.channels",
                    "8,8",
                    "backbone.strides",
                    "2,1",
                    "backbone.dilations",
                    "1,1",
                    "ficklenet.windowSize",
                    "3",
                    "affinity.radius",
                    "2",
                    "affinity.gridSide",
                    "16",
                    "affinity.trainingCrop",
                    "8",
                    "affinity.channels",
                    "8",
                    "affinity.learningRate",
                    "0.05"));

    @BeforeAll
    static void inferenceThreadDefaults() {
        Autograd.disableOnThisThread();
    }

    /**
     * A 16 x 16 image, dark on the left and bright on the right, seeded class 1 on the left and
     * background 0 on the right: training must pull affinities apart across the edge (a negative
     * pair's a drops) and together within each half, from an untrained classifier's features.
     */
    @Test
    void affinitiesSeparateAcrossTheSeedsBoundary() {
        byte[] rgb = new byte[16 * 16 * 3];
        int[] seeds = new int[16 * 16];
        for (int p = 0; p < seeds.length; p++) {
            boolean right = p % 16 >= 8;
            Arrays.fill(rgb, 3 * p, 3 * p + 3, (byte) (right ? 200 : 40));
            seeds[p] = right ? 0 : 1;
        }
        LabeledImage image = new LabeledImage("edge", 16, 16, rgb, null, new int[] {1});
        try (NDManager manager = NDManager.newBaseManager();
                Classifier classifier = new Classifier(
                        ClassifierArchitecture.of(CONFIG, ClassifierArchitecture.Head.GAP, 2), manager, 1);
                AffinityHead head = new AffinityHead(
                        new AffinityArchitecture(
                                classifier.architecture().affinityInputChannels(),
                                CONFIG.affinity().channels()),
                        manager,
                        3)) {
            AffinityTrainer trainer = new AffinityTrainer(head, CONFIG.affinity(), 0);
            List<AffinityTrainer.Example> batch = List.of(new AffinityTrainer.Example(image, seeds));
            double first = trainer.step(classifier, batch);
            double last = first;
            for (int step = 0; step < 40; step++) {
                last = trainer.step(classifier, batch);
            }
            assertThat(last).isLessThan(0.5 * first);
            // Offset (0, 1) of radius 2: pairs (x, x + 1) for x = 0..14; x = 7 crosses the edge.
            NDArray levels = classifier.affinityInput(Batches.images(manager, List.of(image)), 16, 16);
            float[] right = PairAffinity.affinities(
                            head.embedding(levels), new AffinityWalk(CONFIG.affinity()).offsets())
                    .get(0)
                    .toFloatArray();
            float across = right[8 * 15 + 7];
            assertThat(across).isLessThan(0.3f);
            assertThat(right[8 * 15 + 2]).isGreaterThan(0.7f); // inside the left half
            assertThat(right[8 * 15 + 12]).isGreaterThan(0.7f); // inside the right half
        }
    }
}
