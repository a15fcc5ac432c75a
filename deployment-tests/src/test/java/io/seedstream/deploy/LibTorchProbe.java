package io.seedstream.deploy;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/** Run in a child JVM by {@link ImageLibTorchTest}: loads the engine as an image would and computes a sum. */
public final class LibTorchProbe {

    private LibTorchProbe() {}

    public static void main(String[] args) {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray sum = manager.create(new float[] {1, 2, 3}).sum();
            System.out.println("engine " + Engine.getInstance().getEngineName() + " "
                    + Engine.getInstance().getVersion() + " sum " + sum.getFloat());
        }
    }
}
