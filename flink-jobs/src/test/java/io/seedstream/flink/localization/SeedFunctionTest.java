package io.seedstream.flink.localization;

import static org.assertj.core.api.Assertions.assertThat;

import io.seedstream.flink.common.EncodedRecord;
import io.seedstream.records.RecordCodec;
import io.seedstream.records.SeedRecord;
import io.seedstream.segmentation.config.SeedStreamConfig;
import io.seedstream.segmentation.data.ClassList;
import io.seedstream.segmentation.data.LabeledImage;
import io.seedstream.segmentation.data.SyntheticDataset;
import io.seedstream.segmentation.memory.ClassMemory;
import io.seedstream.segmentation.seeds.ConfidentSeeds;
import java.util.List;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.operators.co.CoBroadcastWithNonKeyedOperator;
import org.apache.flink.streaming.util.BroadcastOperatorTestHarness;
import org.junit.jupiter.api.Test;

/** Seeding in a test harness: one record per image, grown once a segmenter exists, and the class memory's broadcast state. */
class SeedFunctionTest {

    /** Without the memory's context, so that the maps reach the seed rule as localized. */
    private final SeedStreamConfig config =
            SeedStreamConfig.defaults().with("synthetic.imageSize", 32).with("memory.contextWeight", 0.0);

    private final SyntheticDataset data = new SyntheticDataset(config.synthetic());
    private final ClassList classes = data.classes();

    private BroadcastOperatorTestHarness<LocalizedImage, MemoryUpdate, EncodedRecord> harness() throws Exception {
        var harness = new BroadcastOperatorTestHarness<>(
                new CoBroadcastWithNonKeyedOperator<>(new SeedFunction(config, classes), List.of(SeedFunction.MEMORY)),
                1,
                1,
                0);
        harness.setup();
        return harness;
    }

    /** Each labeled class's map: 1 on the pixels its mask gives it, 0 elsewhere (in the order of the labels). */
    private static float[] perfectMaps(LabeledImage image) {
        int pixels = image.width() * image.height();
        float[] maps = new float[image.labels().length * pixels];
        for (int c = 0; c < image.labels().length; c++) {
            for (int p = 0; p < pixels; p++) {
                maps[c * pixels + p] = (image.mask()[p] & 0xFF) == image.labels()[c] ? 1f : 0f;
            }
        }
        return maps;
    }

    /** As {@link #perfectMaps}, but the later half of each class's pixels (in raster order) only at 0.25: not confident. */
    private static float[] halfSureMaps(LabeledImage image) {
        int pixels = image.width() * image.height();
        float[] maps = perfectMaps(image);
        for (int c = 0; c < image.labels().length; c++) {
            int area = 0;
            for (int p = 0; p < pixels; p++) {
                area += maps[c * pixels + p] > 0 ? 1 : 0;
            }
            for (int p = 0, seen = 0; p < pixels; p++) {
                if (maps[c * pixels + p] > 0 && ++seen > area / 2) {
                    maps[c * pixels + p] = 0.25f;
                }
            }
        }
        return maps;
    }

    /** Probabilities that put every pixel in its mask's class with certainty (class-id-major). */
    private float[] perfectProbabilities(LabeledImage image) {
        int pixels = image.width() * image.height();
        float[] probabilities = new float[classes.size() * pixels];
        for (int p = 0; p < pixels; p++) {
            int truth = image.mask()[p] & 0xFF;
            probabilities[(truth == ClassList.IGNORE ? classes.background() : truth) * pixels + p] = 1f;
        }
        return probabilities;
    }

    private static LocalizedImage localized(LabeledImage image, float[] maps, float[] probabilities) {
        return new LocalizedImage(
                image,
                image.width(),
                image.height(),
                4,
                probabilities == null ? -1 : 2,
                1,
                1,
                1,
                new float[1],
                maps,
                probabilities);
    }

    private static SeedRecord decoded(EncodedRecord record) throws Exception {
        return RecordCodec.SEED.decode(record.value());
    }

    private static long ignored(SeedRecord record, boolean pseudoLabel) {
        byte[] labels = new byte[record.getWidth() * record.getHeight()];
        (pseudoLabel ? record.getPseudoLabel() : record.getSeeds()).duplicate().get(labels);
        long count = 0;
        for (byte b : labels) {
            count += (b & 0xFF) == ClassList.IGNORE ? 1 : 0;
        }
        return count;
    }

    @Test
    void eachImageGetsOneRecordWithTheSeedRulesSeedsAndItsModelsVersions() throws Exception {
        LabeledImage image = data.image(0);
        float[] maps = perfectMaps(image);
        try (var harness = harness()) {
            harness.open();
            harness.processElement(localized(image, maps, null), 1);
            List<EncodedRecord> out = harness.extractOutputValues();
            assertThat(out).hasSize(1);
            assertThat(out.get(0).key()).isEqualTo(image.id());
            SeedRecord record = decoded(out.get(0));
            assertThat(record.getWidth()).isEqualTo(image.width());
            assertThat(record.getClassifierVersion()).isEqualTo(4);
            assertThat(record.getSegmenterVersion()).isEqualTo(-1);

            int[] expected = new ConfidentSeeds(config.seeds())
                    .seeds(maps, image.labels(), classes.background(), image.rgb(), image.width(), image.height());
            byte[] seeds = new byte[image.width() * image.height()];
            record.getSeeds().duplicate().get(seeds);
            for (int p = 0; p < seeds.length; p++) {
                int want = expected[p] == ConfidentSeeds.UNSEEDED ? ClassList.IGNORE : expected[p];
                assertThat(seeds[p] & 0xFF).as("pixel " + p).isEqualTo(want);
            }
            assertThat(record.getPseudoLabel())
                    .as("no segmenter yet: the seeds are not grown")
                    .isEqualTo(record.getSeeds());
            assertThat(record.getPseudoLabelMiou())
                    .as("scored against its mask")
                    .isNotNull()
                    .isGreaterThan(0.5);
        }
    }

    /**
     * Seeds computed at the working resolution go out at the image's own size: each working pixel
     * becomes the 2 x 2 block it covers in an image twice as large.
     */
    @Test
    void seedsComeBackAtTheImagesOwnSize() throws Exception {
        LabeledImage image = data.image(0);
        float[] maps = perfectMaps(image);
        LocalizedImage working = localized(image, maps, null);
        LocalizedImage twiceAsLarge = new LocalizedImage(
                image,
                2 * image.width(),
                2 * image.height(),
                working.classifierVersion(),
                working.segmenterVersion(),
                1,
                1,
                1,
                working.features(),
                maps,
                null);
        try (var harness = harness()) {
            harness.open();
            harness.processElement(working, 1);
            harness.processElement(twiceAsLarge, 2);
            List<EncodedRecord> out = harness.extractOutputValues();
            SeedRecord atWorking = decoded(out.get(0));
            SeedRecord atOwn = decoded(out.get(1));
            assertThat(atOwn.getWidth()).isEqualTo(2 * image.width());
            assertThat(atOwn.getHeight()).isEqualTo(2 * image.height());
            byte[] small = new byte[image.width() * image.height()];
            atWorking.getSeeds().duplicate().get(small);
            byte[] large = new byte[4 * small.length];
            atOwn.getSeeds().duplicate().get(large);
            assertThat(atOwn.getPseudoLabel().remaining()).isEqualTo(large.length);
            for (int y = 0; y < 2 * image.height(); y++) {
                for (int x = 0; x < 2 * image.width(); x++) {
                    assertThat(large[y * 2 * image.width() + x])
                            .as("pixel (%d, %d)", x, y)
                            .isEqualTo(small[(y / 2) * image.width() + x / 2]);
                }
            }
        }
    }

    @Test
    void withASegmenterTheSeedsAreGrown() throws Exception {
        LabeledImage image = data.image(1);
        try (var harness = harness()) {
            harness.open();
            harness.processElement(localized(image, halfSureMaps(image), perfectProbabilities(image)), 1);
            SeedRecord record = decoded(harness.extractOutputValues().get(0));
            assertThat(record.getSegmenterVersion()).isEqualTo(2);
            assertThat(ignored(record, true))
                    .as("grown into pixels the seeds left out")
                    .isLessThan(ignored(record, false));
        }
    }

    @Test
    void theNewestMemoryOfEachClassIsKeptAcrossARestore() throws Exception {
        OperatorSubtaskState checkpoint;
        try (var harness = harness()) {
            harness.open();
            harness.processBroadcastElement(new MemoryUpdate(1, new ClassMemory.State(new float[] {1}, 5)), 1);
            harness.processBroadcastElement(new MemoryUpdate(1, new ClassMemory.State(new float[] {2}, 3)), 2);
            harness.processBroadcastElement(new MemoryUpdate(2, new ClassMemory.State(new float[] {3}, 2)), 3);
            checkpoint = harness.snapshot(1, 4);
        }
        try (var restored = harness()) {
            restored.initializeState(checkpoint);
            restored.open();
            LabeledImage image = data.image(2);
            restored.processElement(localized(image, perfectMaps(image), null), 5);
            assertThat(decoded(restored.extractOutputValues().get(0)).getMemoryUpdates())
                    .as("class 1 at 5 updates (the older 3 ignored) and class 2 at 2")
                    .isEqualTo(7);
        }
    }
}
