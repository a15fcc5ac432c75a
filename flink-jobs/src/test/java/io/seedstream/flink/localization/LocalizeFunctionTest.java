package io.seedstream.flink.localization;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.seedstream.flink.common.ModelRecords;
import io.seedstream.records.RecordCodec;
import io.seedstream.segmentation.affinity.AffinityWalk;
import io.seedstream.segmentation.config.SeedStreamConfig;
import io.seedstream.segmentation.data.LabeledImage;
import io.seedstream.segmentation.data.SyntheticDataset;
import io.seedstream.segmentation.localization.ImageClassMaps;
import io.seedstream.segmentation.nn.AffinityArchitecture;
import io.seedstream.segmentation.nn.AffinityHead;
import io.seedstream.segmentation.nn.Classifier;
import io.seedstream.segmentation.nn.ClassifierArchitecture;
import io.seedstream.segmentation.nn.ModelName;
import io.seedstream.segmentation.snapshot.ModelSnapshot;
import io.seedstream.segmentation.train.Batches;
import java.util.Arrays;
import java.util.List;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.operators.co.CoBroadcastWithKeyedOperator;
import org.apache.flink.streaming.util.KeyedBroadcastOperatorTestHarness;
import org.junit.jupiter.api.Test;

/** The operator in a test harness: waiting for the first model, a backlog's release, model updates, restore from a checkpoint, micro-batches. */
class LocalizeFunctionTest {

    /** The synthetic images (32 x 32) are at their working size. */
    private final SeedStreamConfig config = SeedStreamConfig.defaults()
            .with("synthetic.imageSize", 32)
            .with("trainer.shortSide", 32)
            .with("backbone.channels", "8,8,16,16,16,16");

    private final SyntheticDataset data = new SyntheticDataset(config.synthetic());

    private KeyedBroadcastOperatorTestHarness<String, List<LabeledImage>, byte[], LocalizedImage> harness()
            throws Exception {
        var operator = new CoBroadcastWithKeyedOperator<>(
                new LocalizeFunction(config, data.classes()), List.of(LocalizeFunction.MODELS));
        var harness = new KeyedBroadcastOperatorTestHarness<>(
                operator, batch -> batch.get(0).id(), Types.STRING, 1, 1, 0);
        harness.setup();
        return harness;
    }

    /** A snapshot message of a freshly initialised classifier (seed decides the weights) and its own maps for an image. */
    private byte[] model(long version, long seed) {
        return ModelRecords.initialClassifier(config, data.classes(), version, seed);
    }

    private float[] expectedMaps(long seed, LabeledImage image) {
        try (NDManager manager = NDManager.newBaseManager();
                Classifier classifier = new Classifier(
                        ClassifierArchitecture.of(
                                config,
                                ClassifierArchitecture.Head.FICKLENET,
                                data.classes().numForeground()),
                        manager,
                        seed)) {
            int c = image.labels()[0] - 1; // the first labeled class's map: multi-scale, flipped, at the image's size
            return ImageClassMaps.configured(config, 0)
                    .maps(classifier, Batches.images(manager, List.of(image)), new int[] {c})
                    .toFloatArray();
        }
    }

    @Test
    void imagesWaitForTheFirstModelThenUseTheNewestAndSurviveARestore() throws Exception {
        LabeledImage first = data.image(0);
        LabeledImage second = data.image(1);
        LabeledImage third = data.image(2);
        OperatorSubtaskState checkpoint;
        try (var harness = harness()) {
            harness.open();
            harness.setProcessingTime(0);
            harness.processElement(List.of(first, second), 1); // one micro-batch
            harness.setProcessingTime(5_000);
            assertThat(harness.extractOutputValues()).isEmpty(); // no classifier yet: they wait, nothing is dropped

            harness.processBroadcastElement(model(1, 101), 3);
            assertThat(harness.extractOutputValues()).isEmpty(); // released by the batch's own timer, within a second
            harness.setProcessingTime(6_000);
            List<LocalizedImage> out = harness.extractOutputValues();
            assertThat(out).extracting(o -> o.image().id()).containsExactlyInAnyOrder(first.id(), second.id());
            assertThat(out).allSatisfy(o -> assertThat(o.classifierVersion()).isEqualTo(1));
            LocalizedImage localizedFirst = out.stream()
                    .filter(o -> o.image().id().equals(first.id()))
                    .findFirst()
                    .orElseThrow();
            float[] expected = expectedMaps(101, first);
            float[] firstClass = Arrays.copyOf(localizedFirst.maps(), expected.length);
            assertThat(firstClass).usingComparatorWithPrecision(1e-5f).containsExactly(expected);
            assertThat(localizedFirst.maps()).hasSize(expected.length * first.labels().length);

            harness.processBroadcastElement(model(1, 999), 4); // a replayed old version changes nothing
            harness.processBroadcastElement(model(2, 202), 5);
            checkpoint = harness.snapshot(1, 6);
        }
        try (var restored = harness()) {
            restored.initializeState(checkpoint);
            restored.open();
            restored.processElement(List.of(third), 7); // the model came back with the checkpoint
            List<LocalizedImage> out = restored.extractOutputValues();
            assertThat(out).hasSize(1);
            assertThat(out.get(0).classifierVersion()).isEqualTo(2);
            float[] expected = expectedMaps(202, third);
            assertThat(Arrays.copyOf(out.get(0).maps(), expected.length))
                    .usingComparatorWithPrecision(1e-5f)
                    .containsExactly(expected);
        }
    }

    /**
     * A backlog is released a batch per timer, each in its own mailbox action: a checkpoint taken
     * between two keeps the rest waiting, and the restored job releases exactly those.
     */
    @Test
    void aBacklogIsReleasedOneBatchPerTimerAndACheckpointBetweenKeepsTheRest() throws Exception {
        LabeledImage a = data.image(3);
        LabeledImage b = data.image(4);
        OperatorSubtaskState checkpoint;
        try (var harness = harness()) {
            harness.open();
            harness.setProcessingTime(0);
            harness.processElement(List.of(a), 1); // its timer: 1,000
            harness.setProcessingTime(1);
            harness.processElement(List.of(b), 2); // its timer: 1,001
            harness.processBroadcastElement(model(1, 7), 3);
            harness.setProcessingTime(1_000);
            assertThat(harness.extractOutputValues())
                    .extracting(o -> o.image().id())
                    .containsExactly(a.id());
            checkpoint = harness.snapshot(1, 4);
        }
        try (var restored = harness()) {
            restored.initializeState(checkpoint);
            restored.open();
            restored.setProcessingTime(1_001);
            restored.setProcessingTime(10_000);
            List<LocalizedImage> out = restored.extractOutputValues();
            assertThat(out).extracting(o -> o.image().id()).containsExactly(b.id());
            assertThat(out.get(0).classifierVersion()).isEqualTo(1);
        }
    }

    /** Batches held in the same millisecond still get timers of their own: one release per mailbox action. */
    @Test
    void batchesHeldAtOnceAreReleasedOneAtATime() throws Exception {
        try (var harness = harness()) {
            harness.open();
            harness.setProcessingTime(0);
            harness.processElement(List.of(data.image(3)), 1);
            harness.processElement(List.of(data.image(4)), 2);
            harness.processBroadcastElement(model(1, 7), 3);
            harness.setProcessingTime(1_000);
            assertThat(harness.extractOutputValues()).hasSize(1);
            harness.setProcessingTime(1_001);
            assertThat(harness.extractOutputValues()).hasSize(2);
        }
    }

    /** Flink drops processing-time timers when a bounded input ends: its final watermark releases what waited. */
    @Test
    void theFinalWatermarkReleasesWhatWaited() throws Exception {
        LabeledImage image = data.image(5);
        try (var harness = harness()) {
            harness.open();
            harness.setProcessingTime(0);
            harness.processElement(List.of(image), 1);
            harness.processBroadcastElement(model(1, 7), 2);
            harness.processWatermark(Long.MAX_VALUE);
            harness.processBroadcastWatermark(Long.MAX_VALUE);
            assertThat(harness.extractOutputValues())
                    .extracting(o -> o.image().id())
                    .containsExactly(image.id());
            harness.setProcessingTime(10_000);
            assertThat(harness.extractOutputValues()).as("released once").hasSize(1);
        }
    }

    @Test
    void anImageInABatchGetsWhatItWouldGetAlone() throws Exception {
        LabeledImage a = data.image(3);
        LabeledImage b = data.image(4);
        try (var harness = harness()) {
            harness.open();
            harness.processBroadcastElement(model(1, 7), 1);
            harness.processBroadcastElement(ModelRecords.initialSegmenter(config, data.classes(), 1, 8), 2);
            harness.processElement(List.of(a, b), 3);
            harness.processElement(List.of(b), 4);
            List<LocalizedImage> out = harness.extractOutputValues();
            assertThat(out).extracting(o -> o.image().id()).containsExactly(a.id(), b.id(), b.id());
            LocalizedImage inBatch = out.get(1);
            LocalizedImage alone = out.get(2);
            assertThat(inBatch.segmenterVersion()).isEqualTo(1);
            assertThat(inBatch.features()).usingComparatorWithPrecision(1e-5f).containsExactly(alone.features());
            assertThat(inBatch.maps()).usingComparatorWithPrecision(1e-5f).containsExactly(alone.maps());
            assertThat(inBatch.segmenterProbabilities()).hasSize(data.classes().size() * b.width() * b.height());
            assertThat(inBatch.segmenterProbabilities())
                    .usingComparatorWithPrecision(1e-5f)
                    .containsExactly(alone.segmenterProbabilities());
            assertThat(inBatch.maps()).isNotEqualTo(out.get(0).maps()); // and not its neighbour's
        }
    }

    /**
     * An image larger than its working size is localized at that size (its shorter side
     * trainer.shortSide, aspect ratio kept) and goes on with its own size, which its seeds get.
     */
    @Test
    void aLargerImageIsLocalizedAtItsWorkingSize() throws Exception {
        LabeledImage own = data.image(6).resized(96, 72); // 4:3, as CamVid's 480 x 360
        LabeledImage working = own.resized(43, 32); // 96 * 32 / 72 = 42.7
        try (var harness = harness()) {
            harness.open();
            harness.processBroadcastElement(model(1, 7), 1);
            harness.processBroadcastElement(ModelRecords.initialSegmenter(config, data.classes(), 1, 8), 2);
            harness.processElement(List.of(own), 3);
            LocalizedImage out = harness.extractOutputValues().get(0);
            assertThat(out.width()).isEqualTo(96);
            assertThat(out.height()).isEqualTo(72);
            assertThat(out.image().width()).isEqualTo(43);
            assertThat(out.image().height()).isEqualTo(32);
            assertThat(out.image().rgb()).isEqualTo(working.rgb());
            assertThat(out.image().mask()).isEqualTo(working.mask());
            float[] expected = expectedMaps(7, working);
            assertThat(Arrays.copyOf(out.maps(), expected.length))
                    .usingComparatorWithPrecision(1e-5f)
                    .containsExactly(expected);
            assertThat(out.maps()).hasSize(expected.length * own.labels().length);
            assertThat(out.segmenterProbabilities()).hasSize(data.classes().size() * 43 * 32);
        }
    }

    @Test
    void aBatchOfMixedSizesRunsEachSizeOnItsOwn() throws Exception {
        LabeledImage small = data.image(5);
        LabeledImage wide = data.image(6).resized(64, 32); // its working size, not the small one's
        try (var harness = harness()) {
            harness.open();
            harness.processBroadcastElement(model(1, 7), 1);
            harness.processBroadcastElement(ModelRecords.initialSegmenter(config, data.classes(), 1, 8), 2);
            harness.processElement(List.of(wide, small), 3);
            harness.processElement(List.of(wide), 4);
            List<LocalizedImage> out = harness.extractOutputValues();
            assertThat(out).extracting(o -> o.image().id()).containsExactly(wide.id(), small.id(), wide.id());
            assertThat(out.get(0).segmenterProbabilities())
                    .hasSize(data.classes().size() * 64 * 32)
                    .usingComparatorWithPrecision(1e-5f)
                    .containsExactly(out.get(2).segmenterProbabilities());
            assertThat(out.get(0).maps())
                    .usingComparatorWithPrecision(1e-5f)
                    .containsExactly(out.get(2).maps());
            assertThat(out.get(1).segmenterProbabilities())
                    .hasSize(data.classes().size() * small.width() * small.height());
        }
    }

    /**
     * Once an affinity head is live, each image's maps are its maps walked with that head over the
     * live classifier's features; before it, they go on unwalked (and are counted as such).
     */
    @Test
    void mapsAreWalkedOnceAnAffinityHeadIsLive() throws Exception {
        LabeledImage image = data.image(7);
        try (var harness = harness();
                NDManager manager = NDManager.newBaseManager();
                Classifier classifier = new Classifier(
                        ClassifierArchitecture.of(
                                config,
                                ClassifierArchitecture.Head.FICKLENET,
                                data.classes().numForeground()),
                        manager,
                        11);
                AffinityHead head = new AffinityHead(
                        new AffinityArchitecture(
                                classifier.architecture().affinityInputChannels(),
                                config.affinity().channels()),
                        manager,
                        12)) {
            harness.open();
            harness.processBroadcastElement(model(1, 11), 1);
            harness.processElement(List.of(image), 2);
            harness.processBroadcastElement(
                    RecordCodec.MODEL_SNAPSHOT.encode(ModelRecords.of(
                            ModelSnapshot.of(
                                    ModelName.AFFINITY.id(),
                                    1,
                                    head,
                                    data.classes().names()),
                            0,
                            null,
                            0,
                            new long[0])),
                    3);
            harness.processElement(List.of(image), 4);
            List<LocalizedImage> out = harness.extractOutputValues();

            int[] index = Arrays.stream(image.labels())
                    .map(data.classes()::classifierIndex)
                    .toArray();
            NDArray pixels = Batches.images(manager, List.of(image));
            NDArray maps = ImageClassMaps.configured(config, 0).maps(classifier, pixels, index);
            float[] walked = new AffinityWalk(config.affinity())
                    .walked(head, classifier, pixels, maps)
                    .toFloatArray();
            assertThat(out.get(0).maps()).usingComparatorWithPrecision(1e-5f).containsExactly(maps.toFloatArray());
            assertThat(out.get(1).maps()).usingComparatorWithPrecision(1e-4f).containsExactly(walked);
            assertThat(walked).isNotEqualTo(maps.toFloatArray());
        }
    }
}
