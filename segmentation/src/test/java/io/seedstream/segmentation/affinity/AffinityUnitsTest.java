package io.seedstream.segmentation.affinity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.data.Offset.offset;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.seedstream.segmentation.config.SeedStreamConfig;
import io.seedstream.segmentation.seeds.ConfidentSeeds;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Pair sampling, pair labels, the affinity loss and the random walk on inputs small enough to work out by hand. */
class AffinityUnitsTest {

    private static final int U = ConfidentSeeds.UNSEEDED;

    @Test
    void offsetsAreIrnsSearchOffsets() {
        // r = 5: 4 to the right, and rows 1..4 with |dx| <= 4, 4, 3, 2: 9 + 9 + 7 + 5; 34 in all, as IRN counts.
        assertThat(PairOffsets.within(5).count()).isEqualTo(34);
        // r = 2: (0, 1) and row 1 with dx^2 < 3: (1, -1), (1, 0), (1, 1).
        PairOffsets two = PairOffsets.within(2);
        assertThat(two.dy()).containsExactly(0, 1, 1, 1);
        assertThat(two.dx()).containsExactly(1, -1, 0, 1);
        assertThatThrownBy(() -> PairOffsets.within(1)).hasMessageContaining("at least 2");
    }

    @Test
    void pairsAreLabeledFromTheSeeds() {
        // A 3 x 1 row: background, class 2, unseeded. Offset (0, 1) has the pairs (0,1) and (1,2):
        // (0,1) is negative; (1,2) touches an unseeded pixel and teaches nothing.
        AffinityLabels labels = AffinityLabels.of(new int[] {0, 2, U}, 3, 1, 0, PairOffsets.within(2));
        assertThat(labels.negativePairs()[0]).containsExactly(1f, 0f);
        assertThat(labels.backgroundPairs()[0]).containsExactly(0f, 0f);
        assertThat(labels.foregroundPairs()[0]).containsExactly(0f, 0f);
        // 2 x 2: class 1 on top, background below. Offset (0,1): top pair fg, bottom pair bg; (1,0): two negatives.
        AffinityLabels square = AffinityLabels.of(new int[] {1, 1, 0, 0}, 2, 2, 0, PairOffsets.within(2));
        assertThat(square.foregroundPairs()[0]).containsExactly(1f, 0f);
        assertThat(square.backgroundPairs()[0]).containsExactly(0f, 1f);
        assertThat(square.negativePairs()[2]).containsExactly(1f, 1f);
        assertThat(square.negativePairs()[1]).containsExactly(1f); // (1, -1): from (1,0)... top-right to bottom-left
        assertThat(square.negativePairs()[3]).containsExactly(1f); // (1, 1): top-left to bottom-right
    }

    @Test
    void seedsAreReducedToTheFeatureMapByTheNearestPixel() {
        // 4 x 2 image to a 2 x 1 map: the samples fall at image pixels (1, 1) and (3, 1).
        int[] seeds = {5, 5, 6, 6, 7, 8, 9, 4};
        assertThat(AffinityLabels.downsample(seeds, 4, 2, 2, 1)).containsExactly(8, 4);
    }

    @Test
    void affinityAndLossOfAThreePixelRow() {
        try (NDManager manager = NDManager.newBaseManager()) {
            // Embedding of 2 channels on a 3 x 1 row: (0, 0), (0, 2), (1, 1). Offset (0, 1): mean |diff| =
            // 1 and 1, so a = e^-1 for both pairs.
            NDArray embedding = manager.create(new float[] {0, 0, 1, 0, 2, 1}, new Shape(1, 2, 1, 3));
            PairOffsets offsets = PairOffsets.within(2);
            List<NDArray> affinities = PairAffinity.affinities(embedding, offsets);
            assertThat(affinities.get(0).toFloatArray()).containsExactly(new float[] {0.3679f, 0.3679f}, offset(1e-4f));
            // Seeds bg, bg, class 1: pair (0,1) is a background pair, (1,2) negative. Loss =
            // -log(e^-1 + 1e-5) / 4 + 0 / 4 + -log(1 - e^-1 + 1e-5) / 2 = 0.25 + 0.4585 / 2 = 0.4792.
            AffinityLabels labels = AffinityLabels.of(new int[] {0, 0, 1}, 3, 1, 0, offsets);
            float loss = PairAffinity.loss(embedding, List.of(labels), offsets).getFloat();
            assertThat(loss).isEqualTo(0.4792f, offset(1e-3f));
        }
    }

    @Test
    void theWalkSpreadsAlongStrongAffinitiesAndStopsAtABrokenLink() {
        // A 3 x 1 chain, radius 2 (only the right neighbour): a(0,1) = 1, a(1,2) = 0. A = [[1,1,0],[1,1,0],[0,0,1]],
        // column sums 2, 2, 1; x = [1, 0, 0]: x T = [0.5, 0.5, 0], a fixed point: after 2^3 steps still [0.5, 0.5, 0].
        float[][] affinities = {{1f, 0f}, {}, {}, {}}; // a one-row map has no pairs at the downward offsets
        RandomWalk walk = new RandomWalk(PairOffsets.within(2), 1, 3);
        assertThat(walk.propagate(affinities, new float[] {1, 0, 0}, 3, 1))
                .containsExactly(new float[] {0.5f, 0.5f, 0f}, offset(1e-6f));
    }

    @Test
    void oneStepOfTheWalkIsXTimesTheColumnNormalisedMatrix() {
        // a(0,1) = 1, a(1,2) = 0.5, beta 1: A = [[1,1,0],[1,1,0.5],[0,0.5,1]], column sums 2, 2.5, 1.5.
        // x = [1, 0, 0]: x T = [1/2, 1/2.5, 0] = [0.5, 0.4, 0]. With beta 2, a(1,2) = 0.25 and the
        // second column sums to 2.25: [0.5, 0.4444, 0].
        float[][] affinities = {{1f, 0.5f}, {}, {}, {}};
        assertThat(new RandomWalk(PairOffsets.within(2), 1, 0).propagate(affinities, new float[] {1, 0, 0}, 3, 1))
                .containsExactly(new float[] {0.5f, 0.4f, 0f}, offset(1e-6f));
        assertThat(new RandomWalk(PairOffsets.within(2), 2, 0).propagate(affinities, new float[] {1, 0, 0}, 3, 1))
                .containsExactly(new float[] {0.5f, 0.4444f, 0f}, offset(1e-4f));
    }

    @Test
    void theGridHasAboutGridSideCellsAlongTheLongSide() {
        AffinityWalk walk = new AffinityWalk(SeedStreamConfig.defaults().affinity()); // gridSide 128
        assertThat(walk.grid(96, 96)).containsExactly(96, 96); // 96 / 128 rounds to stride 1
        assertThat(walk.grid(360, 480)).containsExactly(90, 120); // 480 / 128 = 3.75: stride 4
        assertThat(walk.grid(375, 500)).containsExactly(94, 125); // VOC: stride 4, the last cell partial
        assertThat(walk.grid(90, 1000)).containsExactly(12, 125); // stride 8
    }
}
