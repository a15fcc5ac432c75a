package io.seedstream.segmentation.data;

import static org.assertj.core.api.Assertions.assertThat;

import io.seedstream.segmentation.config.SeedStreamConfig;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class SyntheticDatasetTest {

    private static SeedStreamConfig.Synthetic synthetic(double cooccurrenceBias, long seed) {
        SeedStreamConfig.Synthetic d = SeedStreamConfig.defaults().synthetic();
        return new SeedStreamConfig.Synthetic(
                d.imageSize(),
                d.numClasses(),
                d.minObjects(),
                d.maxObjects(),
                cooccurrenceBias,
                d.bodyColourCue(),
                seed);
    }

    @Test
    void imagesAreDeterministicPerSeedAndIndex() {
        SyntheticDataset data = new SyntheticDataset(synthetic(0, 7));
        LabeledImage a = data.image(42);
        LabeledImage again = new SyntheticDataset(synthetic(0, 7)).image(42);
        assertThat(again.rgb()).isEqualTo(a.rgb());
        assertThat(again.mask()).isEqualTo(a.mask());
        assertThat(data.image(43).rgb()).isNotEqualTo(a.rgb());
        assertThat(new SyntheticDataset(synthetic(0, 8)).image(42).rgb()).isNotEqualTo(a.rgb());
        assertThat(a.width()).isEqualTo(96);
        assertThat(data.image(SyntheticDataset.HELD_OUT_START).id()).isEqualTo("heldout-0");
    }

    @Test
    void labelsAreTheClassesVisibleInTheMask() {
        SyntheticDataset data = new SyntheticDataset(synthetic(0, 7));
        Set<Integer> seen = new HashSet<>();
        for (int i = 0; i < 200; i++) {
            LabeledImage image = data.image(i);
            int[] counts = new int[256];
            for (byte b : image.mask()) {
                counts[b & 0xFF]++;
            }
            int[] expected =
                    IntStream.rangeClosed(1, 6).filter(c -> counts[c] >= 18).toArray();
            assertThat(image.labels()).containsExactly(expected);
            assertThat(image.labels().length).isBetween(0, 3);
            assertThat(counts[0]).isPositive(); // background everywhere else
            Arrays.stream(image.labels()).forEach(seen::add);
        }
        assertThat(seen).containsExactlyInAnyOrder(1, 2, 3, 4, 5, 6);
    }

    /** The property weak supervision struggles with: a small telling head on a large, vague body. */
    @Test
    void headsAreASmallPartOfEachObjectAndObjectsGetOccluded() {
        SyntheticDataset data = new SyntheticDataset(synthetic(0, 7));
        long head = 0;
        long body = 0;
        int occluded = 0;
        int objects = 0;
        for (int i = 0; i < 300; i++) {
            for (SyntheticDataset.SceneObject o : data.scene(i).objects()) {
                head += o.visibleHead();
                body += o.visibleBody();
                objects++;
                if (o.visibleHead() + o.visibleBody() < o.paintedPixels()) {
                    occluded++;
                }
            }
        }
        double headShare = (double) head / (head + body);
        assertThat(headShare).isBetween(0.05, 0.30);
        assertThat((double) occluded / objects).isBetween(0.15, 0.9);
    }

    @Test
    void cooccurrenceBiasPutsClassesOnTheirHabitat() {
        assertThat(habitatShare(new SyntheticDataset(synthetic(0.9, 7)))).isGreaterThan(0.85);
        assertThat(habitatShare(new SyntheticDataset(synthetic(0.0, 7)))).isBetween(0.15, 0.35); // chance: 1 in 4
    }

    private static double habitatShare(SyntheticDataset data) {
        int onHabitat = 0;
        for (int i = 0; i < 400; i++) {
            SyntheticDataset.Scene scene = data.scene(i);
            if (scene.backgroundKind()
                    == SyntheticDataset.habitat(scene.objects().get(0).classId())) {
                onHabitat++;
            }
        }
        return onHabitat / 400.0;
    }
}
