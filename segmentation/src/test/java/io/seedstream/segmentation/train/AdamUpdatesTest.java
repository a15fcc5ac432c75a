package io.seedstream.segmentation.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.TrainingDivergedException;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.seedstream.segmentation.nn.Autograd;
import io.seedstream.segmentation.nn.Parameters;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AdamUpdatesTest {

    /** One step on loss = p^2 (gradient 2p). */
    private static float step(Parameters params, AdamUpdates adam) {
        NDArray p = params.all().get("p");
        try (NDManager scope = params.manager().newSubManager()) {
            adam.clearGradients(scope);
            try (Autograd.Recording recording = Autograd.record()) {
                NDArray loss = p.square().sum();
                loss.attach(scope);
                recording.backward(loss);
            }
            adam.apply(scope);
        }
        return p.getFloat();
    }

    @Test
    void twoStepsMatchTheHandComputedValues() {
        try (NDManager manager = NDManager.newBaseManager();
                Parameters params = new Parameters(manager.newSubManager(), 1)) {
            params.constant("p", new Shape(1), 1f, true);
            AdamUpdates adam = new AdamUpdates(params, 0.1, 0);
            // Step 1: g = 2, m = 0.2, v = 0.004; bias-corrected 2 and 4, so p = 1 - 0.1 * 2 / 2 = 0.9.
            assertThat(step(params, adam)).isCloseTo(0.9f, within(1e-6f));
            // Step 2: g = 1.8, m = 0.36, v = 0.007236; corrected 1.894737 and 3.619810 -> p = 0.9 - 0.099588.
            assertThat(step(params, adam)).isCloseTo(0.800412f, within(1e-5f));
            assertThat(adam.state().steps()).isEqualTo(2);
            assertThat(adam.state().firstMoments().get("p")[0]).isCloseTo(0.36f, within(1e-6f));
        }
    }

    @Test
    void aRestoredOptimizerContinuesExactlyWhereTheSavedOneWas() {
        try (NDManager manager = NDManager.newBaseManager();
                Parameters original = new Parameters(manager.newSubManager(), 1);
                Parameters resumed = new Parameters(manager.newSubManager(), 1)) {
            original.constant("p", new Shape(1), 1f, true);
            resumed.constant("p", new Shape(1), 1f, true);
            AdamUpdates adam = new AdamUpdates(original, 0.1, 0);
            step(original, adam);
            step(original, adam);

            resumed.load(Map.of("p", original.all().get("p").toFloatArray()));
            AdamUpdates restored = new AdamUpdates(resumed, 0.1, 0);
            restored.restore(adam.state());
            assertThat(step(resumed, restored)).isEqualTo(step(original, adam));
            // Without the moments, the third step would again move p by the full learning rate.
            assertThat(original.all().get("p").getFloat()).isNotCloseTo(0.800412f - 0.1f, within(1e-3f));
        }
    }

    @Test
    void aNonFiniteGradientSkipsOnlyItsOwnStep() {
        try (NDManager manager = NDManager.newBaseManager();
                Parameters params = new Parameters(manager.newSubManager(), 1)) {
            params.constant("p", new Shape(1), 1f, true);
            AdamUpdates adam = new AdamUpdates(params, 0.1, 0);
            NDArray p = params.all().get("p");
            try (NDManager scope = params.manager().newSubManager()) {
                adam.clearGradients(scope);
                try (Autograd.Recording recording = Autograd.record()) {
                    NDArray loss = p.sqrt().mul(0f).sub(p.sub(1f).sqrt()).sum(); // sqrt'(0) is infinite: NaN gradient
                    loss.attach(scope);
                    recording.backward(loss);
                }
                assertThatThrownBy(() -> adam.apply(scope)).isInstanceOf(TrainingDivergedException.class);
            }
            assertThat(p.getFloat()).isEqualTo(1f);
            // The NaN left in the gradient buffer must not survive into the next step (NaN * 0 is NaN).
            assertThat(step(params, adam)).isCloseTo(0.9f, within(1e-6f));
        }
    }
}
