package io.seedstream.segmentation.memory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.seedstream.segmentation.config.SeedStreamConfig;
import org.junit.jupiter.api.Test;

class ClassMemoryTest {

    /** m0 = 0.9, power 0.9, annealed over T = 10 updates, floor 0.01. */
    private final ClassMemory memory =
            new ClassMemory(new SeedStreamConfig.ClassMemory(0.9, 0.9, 10, 0.01, 0.5, 0.1, 2));

    @Test
    void momentumAnnealsPolynomiallyDownToTheFloor() {
        assertThat(memory.momentum(0)).isCloseTo(0.9, within(1e-9));
        assertThat(memory.momentum(5)).isCloseTo(0.9 * Math.pow(0.5, 0.9), within(1e-9)); // 0.482298
        assertThat(memory.momentum(5)).isCloseTo(0.482298, within(1e-6));
        assertThat(memory.momentum(10)).isEqualTo(0.01);
        assertThat(memory.momentum(1000)).isEqualTo(0.01);
    }

    @Test
    void firstImageSetsTheMeanOfItsPixels() {
        ClassMemory.State state = memory.update(ClassMemory.State.EMPTY, new float[][] {{1, 0}, {0, 1}});
        assertThat(state.vector()).containsExactly(0.5f, 0.5f);
        assertThat(state.updates()).isEqualTo(1);
    }

    @Test
    void summaryWeighsPixelsByHowBadlyTheMemoryDescribesThem() {
        // r1 = (1, 0) is the memory's direction: weight 1 - 1 = 0; r2 = (0, 2) is orthogonal: weight 1.
        assertThat(ClassMemory.summary(new float[][] {{1, 0}, {0, 2}}, new float[] {1, 0}))
                .containsExactly(0f, 2f);
        // cos((1, 1), (1, 0)) = 0.707107: weights 0.292893 and 1, normalized 0.226541 and 0.773459.
        float[] summary = ClassMemory.summary(new float[][] {{1, 1}, {0, 1}}, new float[] {1, 0});
        assertThat(summary[0]).isCloseTo(0.226541f, within(1e-5f));
        assertThat(summary[1]).isCloseTo(1.0f, within(1e-5f));
        // every pixel exactly like the memory: no weight anywhere, so all pixels count equally
        assertThat(ClassMemory.summary(new float[][] {{2, 0}, {4, 0}}, new float[] {1, 0}))
                .containsExactly(3f, 0f);
    }

    @Test
    void updateMovesTowardTheSummaryWithTheAnnealedMomentum() {
        ClassMemory.State state = new ClassMemory.State(new float[] {1, 0}, 1);
        // m(1) = 0.9 * 0.9^0.9 = 0.818579; summary (0, 2): (1 - m) * (1, 0) + m * (0, 2)
        ClassMemory.State next = memory.update(state, new float[][] {{0, 2}});
        assertThat(next.vector()[0]).isCloseTo(0.181421f, within(1e-5f));
        assertThat(next.vector()[1]).isCloseTo(1.637158f, within(1e-5f));
        assertThat(next.updates()).isEqualTo(2);
        assertThat(memory.update(state, new float[0][])).isSameAs(state); // no pixels of the class: no change
    }

    @Test
    void contextMixesTheMemorysClassProbabilityIntoTheMap() {
        try (NDManager manager = NDManager.newBaseManager()) {
            // two pixels with features (1, 0) and (1, 1); memory (1, 0): cosines 1 and 0.707107
            NDArray features = manager.create(new float[] {1, 1, 0, 1}, new Shape(1, 2, 1, 2));
            NDArray affinity = MemoryContext.affinity(features, new float[][] {{1, 0}});
            assertThat(affinity.toFloatArray())
                    .usingComparatorWithPrecision(1e-5f)
                    .containsExactly(1f, 0.707107f);
            // against (1, 0) and (0, 1) at temperature 0.1: pixel 0 has cosines (1, 0), softmax(10, 0);
            // pixel 1 has equal cosines, so (0.5, 0.5)
            NDArray probabilities = MemoryContext.classProbabilities(features, new float[][] {{1, 0}, {0, 1}}, 0.1);
            assertThat(probabilities.toFloatArray())
                    .usingComparatorWithPrecision(1e-5f)
                    .containsExactly(0.9999546f, 0.5f, 0.0000454f, 0.5f);
            NDArray map = manager.create(new float[] {0.5f, 1f}, new Shape(1, 1, 1, 2));
            NDArray firstClass = manager.create(new float[] {1f, 0.707107f}, new Shape(1, 1, 1, 2));
            // 0.5 * (0.5, 1) + 0.5 * (1, 0.707107)
            assertThat(MemoryContext.refine(map, firstClass, new boolean[] {true}, 0.5)
                            .toFloatArray())
                    .usingComparatorWithPrecision(1e-4f)
                    .containsExactly(0.75f, 0.853553f);
            assertThat(MemoryContext.refine(map, firstClass, new boolean[] {false}, 0.5)
                            .toFloatArray())
                    .usingComparatorWithPrecision(1e-4f)
                    .containsExactly(0.5f, 1f);
        }
    }

    @Test
    void prototypesAreSetByTheFirstImagesThenEachLearnsFromTheNearestPixels() {
        ClassMemory.State first = memory.update(ClassMemory.State.EMPTY, new float[][] {{1, 0}, {1, 0}}, 2);
        assertThat(first.vector()).containsExactly(1f, 0f);
        ClassMemory.State second =
                memory.update(first, new float[][] {{0, 1}}, 2); // a second prototype: this image's mean
        assertThat(second.vector()).containsExactly(1f, 0f, 0f, 1f);
        assertThat(second.updates()).isEqualTo(2);
        // (2, 0) is nearest to (1, 0), (0, 3) to (0, 1). m(2) = 0.9 * 0.8^0.9 = 0.736247; each prototype's summary is
        // its
        // one pixel: (1 - m) (1, 0) + m (2, 0) = (1.736247, 0) and (1 - m) (0, 1) + m (0, 3) = (0, 2.472494).
        float[] third = memory.update(second, new float[][] {{2, 0}, {0, 3}}, 2).vector();
        assertThat(third[0]).isCloseTo(1.736247f, within(1e-5f));
        assertThat(third[1]).isZero();
        assertThat(third[2]).isZero();
        assertThat(third[3]).isCloseTo(2.472494f, within(1e-5f));
    }

    @Test
    void aPixelsAffinityToAClassIsToItsNearestPrototype() {
        try (NDManager manager = NDManager.newBaseManager()) {
            // Pixels (1, 0) and (0, 1). Class A keeps (1, 0) and (0, 1): cosine 1 for both pixels; class B keeps (1,
            // 1):
            // cosine 0.707107. softmax((1, 0.707107) / 0.1): A gets 1 / (1 + e^-2.928932) = 0.949258.
            NDArray features = manager.create(new float[] {1, 0, 0, 1}, new Shape(1, 2, 1, 2));
            float[] p = MemoryContext.prototypeProbabilities(features, new float[][] {{1, 0, 0, 1}, {1, 1}}, 0.1)
                    .toFloatArray();
            assertThat(p)
                    .usingComparatorWithPrecision(1e-5f)
                    .containsExactly(0.949258f, 0.949258f, 0.050742f, 0.050742f);
        }
    }
}
