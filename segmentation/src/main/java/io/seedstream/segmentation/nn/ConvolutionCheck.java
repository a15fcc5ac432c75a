package io.seedstream.segmentation.nn;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Checks that the engine's convolutions on this machine give finite, repeatable results before a
 * model is trusted with them.
 *
 * <p>They do not everywhere. On a 2-core virtual machine with an AMD Zen 5 processor (family 26)
 * that reports no CPU cache sizes, PyTorch 2.7.1's oneDNN kernels returned NaN in 963 of 2,000
 * identical 3x3 convolutions of the backbone's second layer; the segmenter's inference pass was
 * non-finite in 209 of 300 trials, and the trainers skipped steps and rolled back at random. Limiting
 * oneDNN to AVX2 ({@code DNNL_MAX_CPU_ISA=AVX2}) left rare non-finite backward passes; AVX and SSE4.1
 * none in 300 and 180 trainer steps (measured on that machine, 2026-12-04). PyTorch's own cpuinfo
 * could not read that processor either ("Could not initialize NNPACK! Reason: Unsupported
 * hardware"). Such a machine must say so at once instead of serving and training on NaN.
 */
public final class ConvolutionCheck {

    /** The environment variable that limits oneDNN's instruction set (oneDNN's documented knob). */
    public static final String ISA_VARIABLE = "DNNL_MAX_CPU_ISA";
    /** Identical convolutions per check: on the machine above about half of them failed. */
    static final int TRIALS = 64;
    /** Relative difference two runs of the same convolution may show (thread scheduling may reorder sums). */
    static final double TOLERANCE = 1e-4;

    private ConvolutionCheck() {}

    /**
     * Runs the same CPU convolution (the backbone's second layer at the default training size) {@link
     * #TRIALS} times on fixed inputs; throws, naming the fix, when a result is non-finite or differs
     * from the first.
     */
    public static void verifyCpu() {
        List<float[]> results = new ArrayList<>(TRIALS);
        try (NDManager manager = NDManager.newBaseManager(Device.cpu())) {
            Random random = new Random(7);
            NDArray input = manager.create(values(random, 4 * 24 * 52 * 52, 1), new Shape(4, 24, 52, 52));
            NDArray weight = manager.create(values(random, 32 * 24 * 3 * 3, 0.1), new Shape(32, 24, 3, 3));
            Shape outputShape = new Shape(4, 32, 52, 52);
            for (int i = 0; i < TRIALS; i++) {
                try (NDManager trial = manager.newSubManager()) {
                    // Freed NaNs where the trial's arrays will be allocated: memory a kernel reads before writing shows
                    trial.full(outputShape, Float.NaN).close();
                    trial.full(input.getShape(), Float.NaN).close();
                    NDArray copy = input.duplicate();
                    copy.attach(trial);
                    NDArray output = Ops.conv(copy, weight, null, 1, 1, 1);
                    output.attach(trial);
                    results.add(output.toFloatArray());
                }
            }
        }
        String problem = problem(results);
        if (problem != null) {
            throw new IllegalStateException("the engine's convolutions are unreliable on this machine: " + problem
                    + ". Models would train and predict on NaN. Start again with " + ISA_VARIABLE
                    + "=AVX in the environment (oneDNN's older, slower kernels), or on another machine");
        }
    }

    private static float[] values(Random random, int count, double std) {
        float[] values = new float[count];
        for (int i = 0; i < count; i++) {
            values[i] = (float) (random.nextGaussian() * std);
        }
        return values;
    }

    /** What is wrong with repeated results of one computation, or null when all are finite and agree with the first. */
    static String problem(List<float[]> results) {
        int nonFinite = 0;
        int differing = 0;
        float[] first = null;
        for (float[] result : results) {
            if (!allFinite(result)) {
                nonFinite++;
            } else if (first == null) {
                first = result;
            } else if (!agree(first, result)) {
                differing++;
            }
        }
        if (nonFinite == 0 && differing == 0) {
            return null;
        }
        return nonFinite + " of " + results.size() + " identical convolutions gave NaN or infinity and " + differing
                + " gave different values (" + ISA_VARIABLE + " is "
                + System.getenv().getOrDefault(ISA_VARIABLE, "not set") + ")";
    }

    private static boolean allFinite(float[] values) {
        for (float v : values) {
            if (!Float.isFinite(v)) {
                return false;
            }
        }
        return true;
    }

    private static boolean agree(float[] a, float[] b) {
        double scale = 0;
        for (float v : a) {
            scale = Math.max(scale, Math.abs(v));
        }
        for (int i = 0; i < a.length; i++) {
            if (Math.abs(a[i] - b[i]) > TOLERANCE * Math.max(scale, 1)) {
                return false;
            }
        }
        return true;
    }
}
