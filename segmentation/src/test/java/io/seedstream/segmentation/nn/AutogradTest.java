package io.seedstream.segmentation.nn;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class AutogradTest {

    /** d sum(x^3) / dx = 3 x^2, recorded on the calling thread. */
    private static float[] cubeGradient(float... values) {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray x = manager.create(values);
            x.setRequiresGradient(true);
            try (Autograd.Recording recording = Autograd.record()) {
                recording.backward(x.pow(3).sum());
            }
            return x.getGradient().toFloatArray();
        }
    }

    @Test
    void twoThreadsRecordAtTheSameTime() throws Exception {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray x = manager.create(new float[] {1f, 2f});
            x.setRequiresGradient(true);
            try (Autograd.Recording recording = Autograd.record()) {
                NDArray loss = x.square().sum();
                // DJL's GradientCollector would refuse a second collector while this one is open.
                float[] other = CompletableFuture.supplyAsync(() -> cubeGradient(1f, 2f))
                        .get();
                assertThat(other).containsExactly(3f, 12f);
                recording.backward(loss);
            }
            assertThat(x.getGradient().toFloatArray()).containsExactly(2f, 4f);
        }
    }
}
