package io.seedstream.segmentation.nn;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.seedstream.segmentation.config.SeedStreamConfig;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ClassifierTest {

    @Test
    void aWindowOfTheAffinityInputIsTheSameWindowOfTheWholeInput() {
        SeedStreamConfig config = SeedStreamConfig.defaults().with("backbone.channels", "4,4,4,4,4,4");
        Random random = new Random(3);
        try (NDManager manager = NDManager.newBaseManager();
                Classifier classifier = new Classifier(
                        ClassifierArchitecture.of(config, ClassifierArchitecture.Head.FICKLENET, 3), manager, 1)) {
            Autograd.disableOnThisThread();
            // 48 x 40: levels 24 x 20 and 12 x 10 divide the grid (cropped and resized); on a 30 x 30 grid they
            // do not (resized whole): both must give the whole input's window, windows at the borders included
            NDArray images = manager.randomUniform(0f, 1f, new Shape(2, 3, 40, 48));
            for (int[] grid : new int[][] {{40, 48}, {30, 30}}) {
                NDArray whole = classifier.affinityInput(images, grid[0], grid[1]);
                for (int trial = 0; trial < 6; trial++) {
                    int height = 1 + random.nextInt(grid[0]);
                    int width = 1 + random.nextInt(grid[1]);
                    int top = trial == 0 ? 0 : trial == 1 ? grid[0] - height : random.nextInt(grid[0] - height + 1);
                    int left = trial == 0 ? 0 : trial == 1 ? grid[1] - width : random.nextInt(grid[1] - width + 1);
                    float[] expected = whole.get(":, :, {}:{}, {}:{}", top, top + height, left, left + width)
                            .toFloatArray();
                    float[] window = classifier
                            .affinityInput(images, grid[0], grid[1], top, left, height, width)
                            .toFloatArray();
                    assertThat(window)
                            .as("grid %dx%d, window %d,%d %dx%d", grid[0], grid[1], top, left, height, width)
                            .usingComparatorWithPrecision(1e-5f)
                            .containsExactly(expected);
                }
            }
        }
    }
}
