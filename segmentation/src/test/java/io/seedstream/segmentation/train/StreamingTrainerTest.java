package io.seedstream.segmentation.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDManager;
import io.seedstream.segmentation.config.SeedStreamConfig;
import io.seedstream.segmentation.data.ClassList;
import io.seedstream.segmentation.data.LabeledImage;
import io.seedstream.segmentation.data.SyntheticDataset;
import io.seedstream.segmentation.nn.ModelName;
import io.seedstream.segmentation.snapshot.InitialModels;
import io.seedstream.segmentation.snapshot.ModelSnapshot;
import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.assertj.core.api.Assertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class StreamingTrainerTest {

    private final SeedStreamConfig config = SeedStreamConfig.defaults()
            .with(Map.of(
                    "synthetic.imageSize", "32",
                    "backbone.channels", "8,8,16,16,16,16",
                    "segmenter.channels", "8,8,16,16,16,16",
                    "classifier.batchSize", "4",
                    "segmenter.batchSize", "4",
                    "trainer.shortSide", "32",
                    "trainer.cropSize", "32",
                    "trainer.publishEverySteps", "2",
                    "trainer.evalPercent", "50"));
    private final SyntheticDataset data = new SyntheticDataset(config.synthetic());

    /** The image's own mask as its pseudo-label: the segmenter's sample for it. */
    private static StreamingTrainer.Sample seeded(LabeledImage image, long timestamp) {
        return new StreamingTrainer.Sample(image, image.mask(), timestamp);
    }

    @Test
    void heldOutImagesOnlyScoreAndEveryNewSampleIsTrainedOnOnceBeforeItsFirstPublication() {
        List<LabeledImage> images = data.images(0, 12);
        try (NDManager manager = NDManager.newBaseManager();
                StreamingTrainer trainer = new StreamingTrainer(config, data.classes(), manager)) {
            long heldOut = images.stream().filter(trainer::isHeldOut).count();
            assertThat(heldOut).isBetween(1L, 11L); // 50% by id hash
            for (int i = 0; i < images.size(); i++) {
                trainer.add(new StreamingTrainer.Sample(images.get(i), null, 1000 + i));
                trainer.add(seeded(images.get(i), 1000 + i));
            }
            assertThat(trainer.evalSetSize()).isEqualTo(heldOut);
            assertThat(trainer.untrainedSamples()).isEqualTo(2 * (12 - heldOut));
            assertThat(trainer.publishDue(0, 0)).isEmpty(); // nothing trained yet

            while (trainer.untrainedSamples() > 0) {
                assertThat(trainer.step()).isTrue();
            }
            List<StreamingTrainer.Publication> published = trainer.publishDue(1, 0);
            assertThat(published)
                    .extracting(p -> p.snapshot().name())
                    .containsExactly(ModelName.CLASSIFIER.id(), ModelName.SEGMENTER.id(), ModelName.AFFINITY.id());
            for (StreamingTrainer.Publication p : published) {
                assertThat(p.snapshot().version()).isEqualTo(1);
                assertThat(p.evalMiou()).isBetween(0.0, 1.0);
                assertThat(p.newSampleTimestampsMs())
                        .hasSize((int) (12 - heldOut))
                        .doesNotHaveDuplicates();
            }
            // Replay keeps training without new samples; the next publication lists no new ones.
            trainer.step();
            trainer.step();
            assertThat(trainer.publishDue(2, 0)).allSatisfy(p -> {
                assertThat(p.snapshot().version()).isEqualTo(2);
                assertThat(p.newSampleTimestampsMs()).isEmpty();
            });
        }
    }

    /**
     * Images of other sizes and shapes (a wide one larger than the working size, a tall one smaller)
     * are kept at their working size, pseudo-labels with them, and train together on crops; the
     * held-out ones are scored whole at their working size.
     */
    @Test
    void imagesOfAnyShapeTrainTogetherOnCropsAndScoreWhole() {
        List<LabeledImage> images = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            LabeledImage image = data.image(i);
            images.add(i % 2 == 0 ? image.resized(96, 64) : image.resized(16, 24)); // working 48 x 32, 32 x 48
        }
        try (NDManager manager = NDManager.newBaseManager();
                StreamingTrainer trainer = new StreamingTrainer(config, data.classes(), manager)) {
            for (int i = 0; i < images.size(); i++) {
                trainer.add(new StreamingTrainer.Sample(images.get(i), null, 1000 + i));
                trainer.add(seeded(images.get(i), 1000 + i));
            }
            while (trainer.untrainedSamples() > 0) {
                assertThat(trainer.step()).isTrue();
            }
            assertThat(trainer.divergedSteps()).isZero();
            assertThat(trainer.evalSetSize()).isPositive();
            List<StreamingTrainer.Publication> published = trainer.publishDue(1, 0);
            assertThat(published).hasSize(3);
            assertThat(published).allSatisfy(p -> assertThat(p.evalMiou()).isBetween(0.0, 1.0));
            StreamingTrainer restored = new StreamingTrainer(config, data.classes(), manager);
            restored.restore(trainer.save());
            assertThat(restored.replayCounts(ModelName.SEGMENTER.id()))
                    .isEqualTo(trainer.replayCounts(ModelName.SEGMENTER.id()));
            restored.close();
        }
    }

    @Test
    void aRestoredTrainerResumesWithTheSameWeightsVersionsAndBuffers() {
        List<LabeledImage> images = data.images(0, 8);
        try (NDManager manager = NDManager.newBaseManager();
                StreamingTrainer original = new StreamingTrainer(config, data.classes(), manager);
                StreamingTrainer resumed = new StreamingTrainer(config, data.classes(), manager)) {
            images.forEach(i -> original.add(new StreamingTrainer.Sample(i, null, 1)));
            images.forEach(i -> original.add(seeded(i, 1)));
            original.step();
            original.step();
            List<StreamingTrainer.Publication> first = original.publishDue(1, 0);
            original.add(seeded(data.image(100), 2)); // waits untrained in the saved state

            resumed.restore(original.save());
            assertThat(resumed.steps()).isEqualTo(original.steps()).isEqualTo(6); // two steps of three models
            assertThat(resumed.untrainedSamples())
                    .isEqualTo(original.untrainedSamples())
                    .isEqualTo(1);
            assertThat(resumed.evalSetSize()).isEqualTo(original.evalSetSize());
            // Both publish now (time is up): same versions, same weights, same samples newly trained.
            List<StreamingTrainer.Publication> a = original.publishDue(60_000, 0);
            List<StreamingTrainer.Publication> b = resumed.publishDue(60_000, 0);
            assertThat(first).extracting(p -> p.snapshot().version()).containsExactly(1L, 1L, 1L);
            assertThat(a).isEmpty(); // no step since the last publication
            assertThat(b).isEmpty();
            original.step();
            resumed.step();
            a = original.publishDue(60_000, 0);
            b = resumed.publishDue(60_000, 0);
            assertThat(b).extracting(p -> p.snapshot().version()).containsExactly(2L, 2L, 2L);
            assertThat(b.get(1).newSampleTimestampsMs()).containsExactly(2L);
            assertThat(b.get(1).snapshot().parameters().keySet())
                    .isEqualTo(a.get(1).snapshot().parameters().keySet());
        }
    }

    @Test
    void savedStateRestoresTheExactWeights() {
        try (NDManager manager = NDManager.newBaseManager();
                StreamingTrainer original = new StreamingTrainer(config, data.classes(), manager);
                StreamingTrainer resumed = new StreamingTrainer(config, data.classes(), manager)) {
            data.images(0, 6).forEach(i -> original.add(seeded(i, 1)));
            original.step();
            resumed.restore(original.save());
            // One more step from the same weights, moments and buffer gives bit-identical weights.
            resumed.step();
            original.step();
            ModelSnapshot fromOriginal =
                    original.publishDue(60_000, 0).get(0).snapshot(); // the segmenter (then the affinity head)
            ModelSnapshot fromResumed = resumed.publishDue(60_000, 0).get(0).snapshot();
            assertThat(fromResumed.version()).isEqualTo(fromOriginal.version());
            assertSameWeights(fromResumed.parameters(), fromOriginal.parameters());
        }
    }

    /** A state from a later release (a format this one does not know) is refused with what to do about it. */
    @Test
    void stateOfALaterFormatIsRefusedWithWhatToDo() throws Exception {
        try (NDManager manager = NDManager.newBaseManager();
                StreamingTrainer original = new StreamingTrainer(config, data.classes(), manager);
                StreamingTrainer resumed = new StreamingTrainer(config, data.classes(), manager)) {
            byte[] saved = original.save();
            ByteBuffer.wrap(saved).putInt(4, 99); // the version after the magic number
            assertThatThrownBy(() -> resumed.restore(saved))
                    .hasMessageContaining("trainer state version 99 is not one this release reads (1 to 5)")
                    .hasMessageContaining("start the trainer job without that checkpoint");
        }
    }

    /**
     * The state a trainer of the previous release saved (format 1: classifier and segmenter, no
     * header; made with this test's configuration from 6 synthetic images, two steps, one
     * publication, and one pseudo-labeled sample left untrained) restores: versions, steps and
     * buffers continue; the affinity head, which that release did not have, starts afresh.
     */
    @Test
    void stateSavedByTheReleaseBeforeTheAffinityHeadRestores() throws Exception {
        byte[] v1;
        try (var in = getClass().getResourceAsStream("trainer-state-v1.bin")) {
            v1 = in.readAllBytes();
        }
        try (NDManager manager = NDManager.newBaseManager();
                StreamingTrainer resumed = new StreamingTrainer(config, data.classes(), manager)) {
            resumed.restore(v1);
            assertThat(resumed.steps()).isEqualTo(4); // two steps each of the classifier and the segmenter
            assertThat(resumed.untrainedSamples()).isEqualTo(1);
            resumed.step();
            List<StreamingTrainer.Publication> next = resumed.publishDue(60_000, 0);
            assertThat(next)
                    .extracting(p -> p.snapshot().name() + " v" + p.snapshot().version())
                    .containsExactly("classifier v2", "segmenter v2", "affinity v1");
            // Saved again, it is format 2 and restores with the head.
            try (StreamingTrainer again = new StreamingTrainer(config, data.classes(), manager)) {
                again.restore(resumed.save());
                assertThat(again.steps()).isEqualTo(resumed.steps()).isEqualTo(7);
            }
        }
    }

    /**
     * States the releases before the serving gate (format 2: one checkpoint per model), before even
     * replay (format 3: the served weights, no training counts) and before weight averaging (format
     * 4: training counts, no average) saved restore: made with this test's configuration from 6
     * synthetic images, two steps, one publication, and one pseudo-labeled sample left untrained.
     * The saved weights are the served ones (format 2), every buffered sample starts even (formats 2
     * and 3), the average starts afresh (all three).
     */
    @ParameterizedTest
    @ValueSource(strings = {"trainer-state-v2.bin", "trainer-state-v3.bin", "trainer-state-v4.bin"})
    void stateSavedByEarlierReleasesRestores(String file) throws Exception {
        byte[] saved;
        try (var in = getClass().getResourceAsStream(file)) {
            saved = in.readAllBytes();
        }
        try (NDManager manager = NDManager.newBaseManager();
                StreamingTrainer resumed = new StreamingTrainer(config, data.classes(), manager);
                StreamingTrainer unaveraged =
                        new StreamingTrainer(config.with("trainer.averageDecay", 0), data.classes(), manager)) {
            data.images(20, 4).forEach(i -> resumed.add(seeded(i, 1)));
            resumed.step(); // an average of its own, which the restore must drop
            resumed.restore(saved);
            unaveraged.restore(saved);
            assertThat(resumed.steps()).isEqualTo(6);
            assertThat(resumed.untrainedSamples()).isEqualTo(1);
            assertThat(resumed.evalSetSize()).isPositive();
            if (file.endsWith("v4.bin")) { // two steps on the buffered samples: each was in one or both
                assertThat(resumed.replayCounts(ModelName.SEGMENTER.id()))
                        .isNotEmpty()
                        .allSatisfy(n -> assertThat(n).isBetween(1, 2));
            } else {
                assertThat(resumed.replayCounts(ModelName.SEGMENTER.id())).containsOnly(0);
            }
            resumed.step();
            unaveraged.step();
            List<StreamingTrainer.Publication> published = resumed.publishDue(60_000, 0);
            assertThat(published)
                    .extracting(p -> p.snapshot().name() + " v" + p.snapshot().version())
                    .containsExactly("classifier v2", "segmenter v2", "affinity v2");
            // The average starts afresh: after one step it is that step's weights.
            Map<String, float[]> latest =
                    segmenterOf(unaveraged.publishDue(60_000, 0)).snapshot().parameters();
            assertSameWeights(segmenterOf(published).snapshot().parameters(), latest);
        }
    }

    /**
     * Replay covers the buffer evenly: with a batch of 4 and no new samples, 12 buffered samples
     * are each trained on once in three steps, whatever order the buffer holds them in, before any
     * is trained on twice; and the counts survive a restore.
     */
    @Test
    void replayTakesTheSamplesTrainedOnLeast() {
        try (NDManager manager = NDManager.newBaseManager();
                StreamingTrainer trainer =
                        new StreamingTrainer(config.with("trainer.evalPercent", 0), data.classes(), manager)) {
            List<LabeledImage> images = data.images(0, 12);
            for (int i = 0; i < 12; i++) { // three steps of 4 new samples: each trained on once
                trainer.add(new StreamingTrainer.Sample(
                        withoutMask(images.get(i)), images.get(i).mask(), i));
                if (i % 4 == 3) {
                    trainer.step();
                }
            }
            assertThat(trainer.replayCounts(ModelName.SEGMENTER.id()))
                    .hasSize(12)
                    .containsOnly(1);
            for (int s = 0; s < 3; s++) {
                trainer.step();
            }
            assertThat(trainer.replayCounts(ModelName.SEGMENTER.id())).containsOnly(2);
            trainer.step();
            try (StreamingTrainer resumed =
                    new StreamingTrainer(config.with("trainer.evalPercent", 0), data.classes(), manager)) {
                resumed.restore(trainer.save());
                assertThat(resumed.replayCounts(ModelName.SEGMENTER.id()))
                        .containsExactlyInAnyOrderElementsOf(trainer.replayCounts(ModelName.SEGMENTER.id()));
                assertThat(resumed.replayCounts(ModelName.SEGMENTER.id()))
                        .containsOnly(2, 3)
                        .filteredOn(n -> n == 3)
                        .hasSize(4);
            }
        }
    }

    /**
     * A segmenter trained on true masks is served; then trained on labels that are all wrong (one
     * class everywhere), its next version scores worse on the same held-out images and is not
     * published: the served version and its score stay, and a restored trainer keeps them.
     */
    @Test
    void aVersionWorseThanTheServedOneIsNotPublished() {
        SeedStreamConfig gated = config.with(
                Map.of("trainer.gateMinImages", "2", "trainer.evalPercent", "0", "segmenter.learningRate", "0.01"));
        try (NDManager manager = NDManager.newBaseManager();
                StreamingTrainer trainer = new StreamingTrainer(gated, data.classes(), manager)) {
            data.images(100, 4).forEach(trainer::holdOut);
            data.images(0, 12).forEach(i -> trainer.add(new StreamingTrainer.Sample(withoutMask(i), i.mask(), 1)));
            for (int s = 0; s < 20; s++) {
                trainer.step();
            }
            StreamingTrainer.Publication served = segmenterOf(trainer.publishDue(1, 0));
            assertThat(served.snapshot().version()).isEqualTo(1);

            for (LabeledImage image :
                    data.images(12, 48)) { // four times the true ones, so that replay is mostly wrong too
                byte[] wrong = new byte[image.mask().length];
                Arrays.fill(wrong, (byte) 1); // the first foreground class everywhere, background included
                trainer.add(new StreamingTrainer.Sample(withoutMask(image), wrong, 2));
            }
            for (int s = 0; s < 60; s++) {
                trainer.step();
            }
            assertThat(segmenterOf(trainer.publishDue(100_000, 0))).isNull();
            ServingGate.Decision decision = trainer.lastGateDecision(ModelName.SEGMENTER.id());
            assertThat(decision.serve()).isFalse();
            assertThat(decision.servedMiou()).isEqualTo(served.evalMiou());
            assertThat(decision.candidateMiou()).isLessThan(served.evalMiou());
            assertThat(decision.images()).isEqualTo(4);
            assertThat(trainer.refusedVersions()).isEqualTo(1);
            trainer.step(); // 30 s after the last publication but 1 s after the refused candidate: the next waits its
            // turn
            assertThat(trainer.publishDue(101_000, 0)).isEmpty();
            assertThat(trainer.refusedVersions()).as("not scored again").isEqualTo(1);

            try (StreamingTrainer resumed = new StreamingTrainer(gated, data.classes(), manager)) {
                resumed.restore(trainer.save());
                resumed.step();
                assertThat(segmenterOf(resumed.publishDue(60_000, 0))).isNull();
                assertThat(resumed.lastGateDecision(ModelName.SEGMENTER.id()).servedMiou())
                        .isEqualTo(served.evalMiou());
            }
        }
    }

    /**
     * The published weights are the mean of the weights after each step (Mean Teacher's warm-up,
     * far below 1 / (1 - 0.99) steps), while training goes on from the latest weights: the
     * trajectory is the one of a trainer that publishes its latest weights.
     */
    @Test
    void thePublishedWeightsAreTheAverageOfTheStepsAndTrainingContinuesFromTheLatest() {
        SeedStreamConfig latest = config.with(Map.of("trainer.averageDecay", "0", "trainer.evalPercent", "0"));
        SeedStreamConfig averaged = config.with(Map.of("trainer.averageDecay", "0.99", "trainer.evalPercent", "0"));
        try (NDManager manager = NDManager.newBaseManager();
                StreamingTrainer plain = new StreamingTrainer(latest, data.classes(), manager);
                StreamingTrainer averaging = new StreamingTrainer(averaged, data.classes(), manager)) {
            for (StreamingTrainer trainer : List.of(plain, averaging)) {
                data.images(0, 8).forEach(i -> trainer.add(new StreamingTrainer.Sample(withoutMask(i), i.mask(), 1)));
            }
            List<Map<String, float[]>> steps = new ArrayList<>();
            for (int s = 0; s < 3; s++) {
                plain.step();
                steps.add(segmenterOf(plain.publishDue(60_000L * (s + 1), 0))
                        .snapshot()
                        .parameters()); // a minute apart
                averaging.step();
                if (s == 1) { // a publication in between leaves the training weights as they were
                    assertThat(averaging.publishDue(60_000L * (s + 1), 0)).isNotEmpty();
                }
            }
            Map<String, float[]> published =
                    segmenterOf(averaging.publishDue(240_000, 0)).snapshot().parameters();
            assertThat(published.keySet()).contains("backbone.0.weight", "backbone.0.runningMean");
            for (String name : published.keySet()) {
                float[] mean = published.get(name);
                for (int i = 0; i < mean.length; i++) {
                    float expected = (steps.get(0).get(name)[i]
                                    + steps.get(1).get(name)[i]
                                    + steps.get(2).get(name)[i])
                            / 3;
                    assertThat(mean[i])
                            .as(name + "[" + i + "]")
                            .isCloseTo(expected, within(1e-5f + 1e-4f * Math.abs(expected)));
                }
            }
            assertThat(published.get("backbone.0.weight"))
                    .isNotEqualTo(steps.get(2).get("backbone.0.weight"));
        }
    }

    /**
     * The segmenter learns the same whatever else the trainer does: a trainer that also trains the
     * classifier and the affinity head, publishes after every step and saves its state ends with
     * bit-identical segmenter weights to one that only trains the segmenter (what the learning
     * benchmark's in-process references assume of the trainer job).
     */
    @Test
    void theSegmenterTrainsTheSameBesideTheOtherModelsPublicationsAndSaves() {
        SeedStreamConfig alone = config.with(Map.of("trainer.evalPercent", "0", "stream.affinityWalk", "false"));
        SeedStreamConfig busy = config.with(Map.of("trainer.evalPercent", "0", "stream.affinityWalk", "true"));
        try (NDManager manager = NDManager.newBaseManager();
                StreamingTrainer quiet = new StreamingTrainer(alone, data.classes(), manager);
                StreamingTrainer everything = new StreamingTrainer(busy, data.classes(), manager)) {
            List<LabeledImage> images = data.images(0, 12);
            for (int i = 0; i < images.size(); i++) {
                LabeledImage image = withoutMask(images.get(i));
                quiet.add(new StreamingTrainer.Sample(image, images.get(i).mask(), i));
                everything.add(new StreamingTrainer.Sample(image, null, i));
                everything.add(new StreamingTrainer.Sample(image, images.get(i).mask(), i));
                if (i % 3 == 2) {
                    quiet.step();
                    everything.step();
                    everything.publishDue(60_000, 0);
                    everything.save();
                }
            }
            quiet.step();
            everything.step();
            Map<String, float[]> expected =
                    segmenterOf(quiet.publishDue(60_000, 0)).snapshot().parameters();
            Map<String, float[]> actual =
                    segmenterOf(everything.publishDue(60_000, 0)).snapshot().parameters();
            assertSameWeights(actual, expected);
        }
    }

    /**
     * The segmenter and the affinity head buffer the same pseudo-labeled samples, and the state
     * writes each sample once: however long the stream, it holds one buffer's worth of them (4 here,
     * after 32), not two buffers drifting apart.
     */
    @Test
    void theSavedStateHoldsOneBufferOfPseudoLabeledSamplesHoweverLongTheStream() throws Exception {
        SeedStreamConfig small = config.with(
                Map.of("trainer.evalPercent", "0", "stream.affinityWalk", "true", "trainer.replayCapacity", "4"));
        try (NDManager manager = NDManager.newBaseManager();
                StreamingTrainer trainer = new StreamingTrainer(small, data.classes(), manager)) {
            List<LabeledImage> images = data.images(0, 32);
            for (int i = 0; i < images.size(); i++) {
                trainer.add(new StreamingTrainer.Sample(
                        withoutMask(images.get(i)), images.get(i).mask(), i));
                if (i % 4 == 3) {
                    trainer.step();
                }
            }
            assertThat(trainer.untrainedSamples()).isZero();
            byte[] saved = trainer.save();
            try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(saved))) {
                TrainerStateFormat.readVersion(saved, in);
                assertThat(TrainerStateFormat.readSamples(in)).hasSize(4);
            }
        }
    }

    /**
     * A warm start replaces the random weights with the snapshot's, which a diverged step would go
     * back to; a snapshot of other classes or of another architecture is refused with what
     * differs, and so is a warm start after training began.
     */
    @Test
    void aWarmStartTakesTheSnapshotsWeightsAndRefusesWhatDoesNotFit() {
        ModelSnapshot trained = InitialModels.segmenter(config, data.classes(), 12, 99);
        try (NDManager manager = NDManager.newBaseManager();
                StreamingTrainer trainer = new StreamingTrainer(config, data.classes(), manager)) {
            assertThat(trainer.weights(ModelName.SEGMENTER.id()).sha256()).isNotEqualTo(trained.sha256());
            trainer.startFrom(trained);
            assertThat(trainer.weights(ModelName.SEGMENTER.id()).sha256()).isEqualTo(trained.sha256());

            ClassList fewer = new ClassList(data.classes().names().subList(0, 3), true);
            assertThatThrownBy(() -> trainer.startFrom(InitialModels.segmenter(config, fewer, 1, 1)))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("the snapshot of segmenter v1 knows the classes " + fewer.names());
            SeedStreamConfig wider = config.with("segmenter.channels", "8,8,16,16,16,32");
            assertThatThrownBy(() -> trainer.startFrom(InitialModels.segmenter(wider, data.classes(), 1, 1)))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("the architecture settings must match the run that trained it");

            data.images(0, 4).forEach(image -> trainer.add(seeded(image, 1)));
            trainer.step();
            assertThatThrownBy(() -> trainer.startFrom(trained))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessage("a warm start comes before training; the segmenter has trained 1 steps");
        }
    }

    /**
     * A backbone warm start takes every backbone parameter of another run's model into the
     * classifier and the segmenter (whose dilations differ from each other's), and leaves their
     * heads as initialised; a backbone of other channels is refused.
     */
    @Test
    void aBackboneWarmStartTakesOnlyTheBackbone() {
        ModelSnapshot other = InitialModels.segmenter(config, data.classes(), 5, 77);
        try (NDManager manager = NDManager.newBaseManager();
                StreamingTrainer trainer = new StreamingTrainer(config, data.classes(), manager)) {
            Map<String, float[]> before =
                    trainer.weights(ModelName.CLASSIFIER.id()).parameters();
            trainer.startBackbonesFrom(other);
            for (String model : List.of(ModelName.CLASSIFIER.id(), ModelName.SEGMENTER.id())) {
                trainer.weights(model).parameters().forEach((name, values) -> {
                    if (name.startsWith("backbone.")) {
                        assertThat(values)
                                .as(model + " " + name)
                                .containsExactly(other.parameters().get(name));
                    } else if (model.equals(ModelName.CLASSIFIER.id())) {
                        assertThat(values).as(model + " " + name).containsExactly(before.get(name));
                    }
                });
            }
            SeedStreamConfig deeper = config.with("segmenter.channels", "8,8,16,16,16,32");
            assertThatThrownBy(() -> trainer.startBackbonesFrom(InitialModels.segmenter(deeper, data.classes(), 1, 1)))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("has the backbone channels [8, 8, 16, 16, 16, 32]");
        }
    }

    /** The image as a sample without its mask, which the trainer would otherwise learn from as well. */
    private static LabeledImage withoutMask(LabeledImage image) {
        return new LabeledImage(image.id(), image.width(), image.height(), image.rgb(), null, image.labels());
    }

    /** Every array bit for bit, under the same names. */
    private static void assertSameWeights(Map<String, float[]> actual, Map<String, float[]> expected) {
        assertThat(actual.keySet()).isEqualTo(expected.keySet());
        expected.forEach((name, values) -> assertThat(actual.get(name)).as(name).containsExactly(values));
    }

    private static StreamingTrainer.Publication segmenterOf(List<StreamingTrainer.Publication> publications) {
        return publications.stream()
                .filter(p -> p.snapshot().name().equals(ModelName.SEGMENTER.id()))
                .findFirst()
                .orElse(null);
    }

    @Test
    void aStateOfAnUnknownVersionIsRefusedWithItsVersion() {
        byte[] future = ByteBuffer.allocate(8).putInt(0x53535452).putInt(99).array();
        try (NDManager manager = NDManager.newBaseManager();
                StreamingTrainer trainer = new StreamingTrainer(config, data.classes(), manager)) {
            Assertions.assertThatThrownBy(() -> trainer.restore(future))
                    .hasMessageContaining("trainer state version 99");
        }
    }
}
