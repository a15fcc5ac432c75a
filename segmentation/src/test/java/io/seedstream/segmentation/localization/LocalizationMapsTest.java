package io.seedstream.segmentation.localization;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;

class LocalizationMapsTest {

    /*
     * Two passes, one class, a 1 x 2 map at image size 1 x 2:
     *   pass 1 [2, 1] -> normalized [1, 0.5];  pass 2 [1, 4] -> normalized [0.25, 1]
     *   max [1, 1], mean [0.625, 0.75], first [1, 0.5]; the same whether reduced at once or chunk by chunk.
     */
    @Test
    void normalizesEachMapAndReducesOverPassesAcrossChunks() {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray both = manager.create(new float[] {2, 1, 1, 4}, new Shape(2, 1, 1, 2));
            LocalizationMaps atOnce = LocalizationMaps.of(both, new int[] {7}, 1, 2);
            LocalizationMaps chunked = LocalizationMaps.summarize(both.get("0:1"), 1, 2)
                    .merge(LocalizationMaps.summarize(both.get("1:2"), 1, 2))
                    .toMaps(new int[] {7}, 1, 2);
            for (LocalizationMaps maps : new LocalizationMaps[] {atOnce, chunked}) {
                assertThat(maps.count()).isEqualTo(2);
                assertThat(maps.max()).containsExactly(new float[] {1f, 1f}, within(1e-4f));
                assertThat(maps.mean()).containsExactly(new float[] {0.625f, 0.75f}, within(1e-4f));
                assertThat(maps.first()).containsExactly(new float[] {1f, 0.5f}, within(1e-4f));
                assertThat(maps.labels(0.7)).containsExactly(7, 7);
                assertThat(maps.firstOnly().labels(0.7)).containsExactly(7, MapAggregation.UNCLAIMED);
            }
            assertThat(LocalizationMaps.none(1, 3).labels(0.1))
                    .containsOnly(MapAggregation.UNCLAIMED)
                    .hasSize(3);
        }
    }
}
