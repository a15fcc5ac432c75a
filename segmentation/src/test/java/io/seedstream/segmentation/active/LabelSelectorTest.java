package io.seedstream.segmentation.active;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.seedstream.segmentation.config.SeedStreamConfig;
import io.seedstream.segmentation.data.ClassList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class LabelSelectorTest {

    private static final ClassList CLASSES = new ClassList(List.of("background", "a", "b", "c"), true);
    private final SeedStreamConfig.Active config = SeedStreamConfig.defaults()
            .with("active.rarityWeight", 0.5)
            .with("active.duplicateSimilarity", 0.97)
            .active();
    private final LabelSelector selector = new LabelSelector(config, CLASSES);

    private static float[] axis(int i) {
        float[] v = new float[3 * Thumbnail.SIDE * Thumbnail.SIDE];
        v[i] = 1;
        return v;
    }

    private static Candidate candidate(String id, double uncertainty, int guessed, float[] thumbnail) {
        return new Candidate(id, uncertainty, uncertainty, 0, 0, new int[] {guessed}, thumbnail, 1, 0);
    }

    // Class 1 has 3 labels (rarity 1 / sqrt(4) = 0.5), classes 2 and 3 none (rarity 1).
    private final Map<Integer, Long> seen = Map.of(1, 3L);
    private final Candidate frequentHigh = candidate("e", 1.2, 1, axis(5)); // 1.2 + 0.5 x 0.5 = 1.45
    private final Candidate frequent = candidate("a", 1.0, 1, axis(1)); // 1.25
    private final Candidate frequentLow = candidate("b", 0.9, 1, axis(2)); // 1.15
    private final Candidate rare = candidate("c", 0.8, 2, axis(3)); // 0.8 + 0.5 = 1.3
    // cosine 1 / sqrt(1.01) = 0.995 to the already asked image axis(4): a near-duplicate
    private final Candidate duplicate = candidate("d", 0.95, 3, unit(4, 1, 0.1f)); // 1.45

    private static float[] unit(int main, int other, float weight) {
        float[] v = axis(main);
        v[other] = weight;
        float norm = (float) Math.sqrt(1 + weight * weight);
        for (int i = 0; i < v.length; i++) {
            v[i] /= norm;
        }
        return v;
    }

    @Test
    void picksByUncertaintyPlusRarityAndSpreadsABatchOverClasses() {
        LabelSelector.Selection selection = selector.select(
                List.of(frequent, frequentLow, rare, duplicate, frequentHigh), seen, List.of(axis(4)), 3);
        // e first (1.45; d ties it but is a duplicate); class 1 now has 4 labels: a = 1.0 + 0.5 / sqrt(5)
        // = 1.2236 falls below c's 1.3 although a is the more uncertain; then a; b never (count 3).
        assertThat(selection.choices())
                .extracting(choice -> choice.candidate().imageId())
                .containsExactly("e", "c", "a");
        assertThat(selection.choices().get(2).priority()).isEqualTo(1.0 + 0.5 / Math.sqrt(5), within(1e-12));
        assertThat(selection.duplicates()).extracting(Candidate::imageId).containsExactly("d");
        // c: disagreement 0.8 outweighs its rarity 0.5 x 1.0; its class b has no label yet
        assertThat(selection.choices().get(1).reason())
                .isEqualTo("the models disagree about this image; it looks like b: few labels of b so far (0)");
        assertThat(selection.choices().get(1).details())
                .startsWith("priority 1.300 = uncertainty 0.800 (mutual information 0.800")
                .contains("rarity 1.000 x 0.50")
                .endsWith("guessed b, 0 labels so far");
        // e: 1.2 of disagreement against 0.5 x 0.5 of rarity
        assertThat(selection.choices().get(0).reason()).startsWith("the models disagree about this image");
    }

    @Test
    void neverExceedsTheCountAndNeverPicksTwoNearDuplicatesInOneBatch() {
        Candidate twin = candidate("a2", 1.1, 2, unit(1, 7, 0.1f)); // cosine 0.995 to a
        LabelSelector.Selection selection = selector.select(List.of(frequent, twin, rare), Map.of(), List.of(), 10);
        // Nothing labeled yet: a2 = 1.1 + 0.5 = 1.6 first; then a (1.5) beats c (0.8 + 0.5 / sqrt(2),
        // class 2 now counting a2) but is a2's near-duplicate, so c.
        assertThat(selection.choices())
                .extracting(choice -> choice.candidate().imageId())
                .containsExactly("a2", "c");
        assertThat(selection.duplicates()).extracting(Candidate::imageId).containsExactly("a");
        assertThat(selector.select(List.of(frequent, frequentLow, rare), Map.of(), List.of(), 0)
                        .choices())
                .isEmpty();
        assertThat(selector.select(List.of(frequent, frequentLow, rare), Map.of(), List.of(), 2)
                        .choices())
                .hasSize(2);
    }

    @Test
    void randomBaselineDrawsDistinctImagesReproducibly() {
        List<Candidate> pool = List.of(frequent, frequentLow, rare, duplicate, frequentHigh);
        List<Candidate> first = LabelSelector.random(pool, 3, new Random(5));
        assertThat(first).hasSize(3).doesNotHaveDuplicates();
        assertThat(LabelSelector.random(pool, 3, new Random(5))).isEqualTo(first);
        assertThat(LabelSelector.random(pool, 9, new Random(5))).hasSize(5);
    }
}
