package io.seedstream.segmentation.seeds;

import static io.seedstream.segmentation.seeds.SeedCues.UNSEEDED;
import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.seedstream.segmentation.config.SeedStreamConfig;
import io.seedstream.segmentation.memory.ClassMemory;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SeedGeneratorTest {

    private final SeedStreamConfig config = SeedStreamConfig.defaults(); // fraction 0.2, background below 0.05, weight 0.5

    @Test
    void seedsFromTheMapAndFromTheMapRefinedByTheMemory() {
        try (NDManager manager = NDManager.newBaseManager()) {
            // 1 x 4 image with a 1 x 4 feature map (no resizing); features (1,0), (1,0), (0,1), (0,1)
            NDArray features = manager.create(new float[] {1, 1, 0, 0, 0, 0, 1, 1}, new Shape(1, 2, 1, 4));
            // class 3's map: strong at pixel 0, weak (below 20% of the max) at 1, zero at 2 and 3
            NDArray maps = manager.create(new float[] {1f, 0.1f, 0.0f, 0.0f}, new Shape(1, 1, 1, 4));
            SeedGenerator generator = new SeedGenerator(config, 0);

            SeedGenerator.Result noMemory = generator.seeds(features, maps, new int[] {3}, Map.of(), 1, 4);
            assertThat(noMemory.staticSeeds()).containsExactly(3, UNSEEDED, 0, 0);
            assertThat(noMemory.refinedSeeds()).containsExactly(3, UNSEEDED, 0, 0);
            // what the memory learns: class 3 from pixel 0, the background from pixels 2 and 3 (pixel 1
            // is neither above 20% of the max nor below 0.05)
            Map<Integer, float[][]> learned = generator.classFeatures(features.toFloatArray(), 2, maps.toFloatArray(), new int[] {3});
            assertThat(learned.get(3)).isDeepEqualTo(new float[][] {{1, 0}});
            assertThat(learned.get(0)).isDeepEqualTo(new float[][] {{0, 1}, {0, 1}});

            // the memory knows class 3 looks like (1, 0) and the background like (0, 1): pixel 1's
            // probability of class 3 is softmax(10, 0) = 0.99995, so its refined map 0.5 * 0.1 + 0.5 *
            // 0.99995 = 0.55 lifts it over the cut; pixels 2 and 3 (probability 0.00005) stay background
            Map<Integer, ClassMemory.State> memory = Map.of(
                    3, new ClassMemory.State(new float[] {1, 0}, 5),
                    0, new ClassMemory.State(new float[] {0, 1}, 5));
            SeedGenerator.Result withMemory = generator.seeds(features, maps, new int[] {3}, memory, 1, 4);
            assertThat(withMemory.staticSeeds()).containsExactly(3, UNSEEDED, 0, 0);
            assertThat(withMemory.refinedSeeds()).containsExactly(3, 3, 0, 0);
        }
    }

    @Test
    void anImageWithoutClassesIsAllBackground() {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray features = manager.zeros(new Shape(1, 2, 1, 4));
            SeedGenerator.Result result =
                    new SeedGenerator(config, 0).seeds(features, manager.zeros(new Shape(1, 0, 1, 4)), new int[0], Map.of(), 1, 4);
            assertThat(result.staticSeeds()).containsExactly(0, 0, 0, 0);
        }
    }
}
