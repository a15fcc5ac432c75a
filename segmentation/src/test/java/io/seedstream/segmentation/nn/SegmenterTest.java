package io.seedstream.segmentation.nn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.seedstream.segmentation.config.SeedStreamConfig;
import io.seedstream.segmentation.data.LabeledImage;
import io.seedstream.segmentation.data.SyntheticDataset;
import io.seedstream.segmentation.train.Batches;
import io.seedstream.segmentation.train.SegmenterTrainer;
import java.util.List;
import org.junit.jupiter.api.Test;

class SegmenterTest {

    private final SeedStreamConfig config =
            SeedStreamConfig.defaults().with("synthetic.imageSize", 32).with("segmenter.channels", "8,8,16,16,16,16");

    @Test
    void scoresEveryClassAtTheOutputStrideAndProbabilitiesSumToOne() {
        try (NDManager manager = NDManager.newBaseManager();
                Segmenter segmenter = new Segmenter(SegmenterArchitecture.of(config.segmenter(), 4), manager, 1)) {
            Autograd.disableOnThisThread();
            NDArray images = manager.randomUniform(0, 1, new Shape(2, 3, 32, 32));
            assertThat(segmenter.logits(images, false).getShape()).isEqualTo(new Shape(2, 4, 8, 8)); // strides 2 x 2
            NDArray probabilities = segmenter.probabilities(images);
            assertThat(probabilities.getShape()).isEqualTo(new Shape(2, 4, 32, 32));
            for (float sum : probabilities.sum(new int[] {1}).toFloatArray()) {
                assertThat(sum).isCloseTo(1f, within(1e-5f));
            }
        }
    }

    @Test
    void learnsAFewMasksAndCountsTheFullMaskTermOnlyForMaskedImages() {
        SyntheticDataset data = new SyntheticDataset(config.synthetic());
        List<LabeledImage> images = data.images(0, 8);
        List<SegmenterTrainer.Example> examples = images.stream()
                .map(i -> new SegmenterTrainer.Example(i, Batches.maskLabels(i.mask())))
                .toList();
        try (NDManager manager = NDManager.newBaseManager();
                Segmenter segmenter = new Segmenter(
                        SegmenterArchitecture.of(
                                config.segmenter(), data.classes().size()),
                        manager,
                        config.segmenter().seed())) {
            // Every term on, the boundary loss from the first step (no warm-up) on this tiny 8 x 8 output, where
            // the unfloored, unclipped form once gave non-finite gradients on a CI machine: a skipped step
            // would throw here.
            SeedStreamConfig immediate = config.with("boundary.warmupSteps", 0).with("boundary.rampSteps", 0);
            SegmenterTrainer trainer = new SegmenterTrainer(
                    segmenter, immediate, data.classes(), new SegmenterTrainer.Objective(true, true, true));
            SegmenterTrainer.StepLosses first = trainer.step(examples);
            SegmenterTrainer.StepLosses last = first;
            for (int i = 0; i < 60; i++) {
                last = trainer.step(examples);
                assertThat(last.boundary()).isGreaterThan(0).isLessThanOrEqualTo(Math.log(20)); // the clip bounds it
            }
            assertThat(first.fullMask()).isGreaterThan(0); // synthetic images carry their masks
            assertThat(first.boundary()).isGreaterThan(0);
            assertThat(last.seed()).isLessThan(first.seed() / 2);

            List<SegmenterTrainer.Example> weak = images.stream()
                    .map(i -> new SegmenterTrainer.Example(
                            new LabeledImage(i.id(), i.width(), i.height(), i.rgb(), null, i.labels()),
                            Batches.maskLabels(i.mask())))
                    .toList();
            assertThat(trainer.step(weak).fullMask()).isEqualTo(0);
        }
    }

    @Test
    void theBoundaryTermWaitsForItsWarmUp() {
        SyntheticDataset data = new SyntheticDataset(config.synthetic());
        List<SegmenterTrainer.Example> examples = data.images(0, 4).stream()
                .map(i -> new SegmenterTrainer.Example(i, Batches.maskLabels(i.mask())))
                .toList();
        try (NDManager manager = NDManager.newBaseManager();
                Segmenter segmenter = new Segmenter(
                        SegmenterArchitecture.of(
                                config.segmenter(), data.classes().size()),
                        manager,
                        1)) {
            SegmenterTrainer trainer = new SegmenterTrainer(
                    segmenter,
                    config.with("boundary.warmupSteps", 2),
                    data.classes(),
                    new SegmenterTrainer.Objective(true, true, false));
            assertThat(trainer.step(examples).boundary()).isZero();
            assertThat(trainer.step(examples).boundary()).isZero();
            assertThat(trainer.step(examples).boundary()).isGreaterThan(0); // step 2: the ramp's first step
        }
    }
}
