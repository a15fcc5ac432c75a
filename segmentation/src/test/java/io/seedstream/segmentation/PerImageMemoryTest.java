package io.seedstream.segmentation;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.seedstream.segmentation.active.ImageScorer;
import io.seedstream.segmentation.affinity.AffinityWalk;
import io.seedstream.segmentation.config.SeedStreamConfig;
import io.seedstream.segmentation.data.LabeledImage;
import io.seedstream.segmentation.data.SyntheticDataset;
import io.seedstream.segmentation.localization.ImageClassMaps;
import io.seedstream.segmentation.nn.AffinityHead;
import io.seedstream.segmentation.nn.Classifier;
import io.seedstream.segmentation.nn.Segmenter;
import io.seedstream.segmentation.snapshot.InitialModels;
import io.seedstream.segmentation.train.Batches;
import io.seedstream.segmentation.train.StreamingTrainer;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * What the jobs and the server do per image leaves nothing behind on the models' manager: a
 * forward pass whose arrays landed there instead of in the record's scope would grow native memory
 * with every image (a leak of this kind was found once by review). Each path runs on a few images
 * as the operators run it, then on many more, and the arrays the models' manager holds must not
 * change in between.
 */
class PerImageMemoryTest {

    private static final SeedStreamConfig CONFIG = SeedStreamConfig.defaults()
            .with(Map.of(
                    "synthetic.imageSize", "32",
                    "backbone.channels", "8,8,16,16,16,16",
                    "segmenter.channels", "8,8,16,16,16,16",
                    "trainer.shortSide", "32",
                    "trainer.cropSize", "32",
                    "ficklenet.passes", "8",
                    "ficklenet.passesPerBatch", "4"));
    private static final SyntheticDataset DATA = new SyntheticDataset(CONFIG.synthetic());

    @Test
    void localizationScoringAndSegmentationKeepTheModelsManagerAsItWas() {
        try (NDManager root = NDManager.newBaseManager()) {
            Classifier classifier = (Classifier)
                    InitialModels.classifier(CONFIG, DATA.classes(), 1, 1).newNetwork(root);
            Segmenter segmenter = (Segmenter)
                    InitialModels.segmenter(CONFIG, DATA.classes(), 1, 2).newNetwork(root);
            AffinityHead affinity = (AffinityHead)
                    InitialModels.affinity(CONFIG, DATA.classes(), 1, 3).newNetwork(root);
            ImageClassMaps expectation = ImageClassMaps.configured(CONFIG, 0);
            ImageClassMaps stochastic =
                    ImageClassMaps.configured(CONFIG, CONFIG.ficklenet().passes());
            AffinityWalk walk = new AffinityWalk(CONFIG.affinity());
            ImageScorer scorer = new ImageScorer(CONFIG, DATA.classes());

            Map<String, Consumer<LabeledImage>> paths = Map.of(
                    "class maps, walked (localization job, server)",
                    image -> inScope(root, image, pixels -> {
                        NDArray maps = expectation.maps(classifier, pixels, new int[] {0});
                        walk.walked(affinity, classifier, pixels, maps).toFloatArray();
                    }),
                    "FickleNet's stochastic maps",
                    image -> inScope(
                            root,
                            image,
                            pixels -> stochastic
                                    .maps(classifier, pixels, new int[] {0})
                                    .toFloatArray()),
                    "segmenter probabilities",
                    image -> inScope(
                            root,
                            image,
                            pixels -> segmenter.logits(pixels, false).softmax(1).toFloatArray()),
                    "active-learning scores",
                    image -> scorer.score(classifier, segmenter, List.of(image), 1, 0));
            for (Map.Entry<String, Consumer<LabeledImage>> path : paths.entrySet()) {
                for (int i = 0; i < 3; i++) { // warm-up: whatever a first call caches
                    path.getValue().accept(DATA.image(i));
                }
                int before = root.getManagedArrays().size();
                for (int i = 3; i < 40; i++) {
                    path.getValue().accept(DATA.image(i));
                }
                assertThat(root.getManagedArrays().size())
                        .as(path.getKey() + ": arrays on the models' manager after 37 more images")
                        .isEqualTo(before);
            }
        }
    }

    /**
     * The trainer's steps (classifier with ReCAM and GAIN's mining from its first step, segmenter,
     * affinity head) and publications: after ten, six more leave the arrays under the trainer's
     * manager as they were (the replay buffers hold images as Java arrays, not on the device). It
     * found ReCAM's head leaving two arrays per step on the model.
     */
    @Test
    void trainingStepsAndPublicationsKeepTheTrainersManagerAsItWas() {
        SeedStreamConfig training = CONFIG.with(Map.of(
                "classifier.batchSize", "4",
                "segmenter.batchSize", "4",
                "gain.startStep", "0",
                "trainer.publishEverySteps", "2",
                "trainer.evalPercent", "25"));
        try (NDManager root = NDManager.newBaseManager();
                StreamingTrainer trainer = new StreamingTrainer(training, DATA.classes(), root)) {
            List<LabeledImage> images = DATA.images(0, 16);
            int before = -1;
            for (int i = 0; i < images.size(); i++) {
                LabeledImage image = images.get(i);
                trainer.add(new StreamingTrainer.Sample(image, null, i));
                trainer.add(new StreamingTrainer.Sample(image, image.mask(), i));
                trainer.step();
                trainer.publishDue(1000L * i, 0);
                if (i == 9) { // warm-up: optimiser state, averaged weights and the first publications exist
                    before = root.getManagedArrays().size();
                }
            }
            assertThat(root.getManagedArrays().size())
                    .as("arrays under the trainer's manager after 6 more steps")
                    .isEqualTo(before);
        }
    }

    /** As an operator runs a record: its arrays in a scope of its own, closed after. */
    private static void inScope(NDManager root, LabeledImage image, Consumer<NDArray> work) {
        try (NDManager scope = root.newSubManager()) {
            work.accept(Batches.images(scope, List.of(image)));
        }
    }
}
