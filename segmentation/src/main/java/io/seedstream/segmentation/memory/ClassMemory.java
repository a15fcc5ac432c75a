package io.seedstream.segmentation.memory;

import io.seedstream.segmentation.config.SeedStreamConfig;

/**
 * MCIBI's dataset-level class memory, one class at a time: the state of a class is its C-vector
 * and how many images have updated it, so a streaming job can keep it as keyed state (key = class
 * id) and every update is a pure function of (state, this image's features of that class).
 *
 * <p>An image summarizes its pixels of class c as R'_c = sum_i w_i r_i with w_i proportional to
 * 1 - cos(r_i, M_c): the pixels the memory describes worst weigh most. The memory then moves
 * toward it, M_c = (1 - m) M_c + m R'_c, with m annealed polynomially in the number of updates.
 */
public final class ClassMemory {

    /** One class's memory: its vector (empty before the first update) and its update count. */
    public record State(float[] vector, long updates) {
        public static final State EMPTY = new State(new float[0], 0);

        public State {
            vector = vector.clone();
        }

        @Override
        public float[] vector() {
            return vector.clone();
        }
    }

    private final SeedStreamConfig.ClassMemory config;

    public ClassMemory(SeedStreamConfig.ClassMemory config) {
        this.config = config;
    }

    /** m after {@code updates} updates: m0 (1 - t / T)^power, never below the configured floor. */
    public double momentum(long updates) {
        double progress = Math.min(1.0, (double) updates / config.annealingUpdates());
        return Math.max(config.minMomentum(), config.initialMomentum() * Math.pow(1 - progress, config.power()));
    }

    /**
     * The state after one image whose pixels of this class have the given features (one row per
     * pixel). The first image sets the vector to the mean of its pixels (with no memory yet there
     * is nothing to be dissimilar to); an image without such pixels changes nothing.
     */
    public State update(State state, float[][] pixelFeatures) {
        if (pixelFeatures.length == 0) {
            return state;
        }
        float[] memory = state.vector;
        if (state.updates == 0) {
            return new State(weightedSum(pixelFeatures, uniform(pixelFeatures.length)), 1);
        }
        float[] summary = summary(pixelFeatures, memory);
        float m = (float) momentum(state.updates);
        float[] next = new float[memory.length];
        for (int j = 0; j < next.length; j++) {
            next[j] = (1 - m) * memory[j] + m * summary[j];
        }
        return new State(next, state.updates + 1);
    }

    /** R'_c: the pixels weighted by 1 - cos(r_i, M_c), normalized; uniform if all weights are 0. */
    public static float[] summary(float[][] pixelFeatures, float[] memory) {
        double[] weights = new double[pixelFeatures.length];
        double total = 0;
        for (int i = 0; i < pixelFeatures.length; i++) {
            weights[i] = 1 - cosine(pixelFeatures[i], memory);
            total += weights[i];
        }
        if (total <= 0) {
            return weightedSum(pixelFeatures, uniform(pixelFeatures.length));
        }
        for (int i = 0; i < weights.length; i++) {
            weights[i] /= total;
        }
        return weightedSum(pixelFeatures, weights);
    }

    /** cos(a, b); 0 when either vector is zero. */
    public static double cosine(float[] a, float[] b) {
        if (a.length != b.length) {
            throw new IllegalArgumentException("feature length " + a.length + " differs from the memory's " + b.length);
        }
        double dot = 0;
        double na = 0;
        double nb = 0;
        for (int j = 0; j < a.length; j++) {
            dot += (double) a[j] * b[j];
            na += (double) a[j] * a[j];
            nb += (double) b[j] * b[j];
        }
        return na == 0 || nb == 0 ? 0 : dot / Math.sqrt(na * nb);
    }

    private static double[] uniform(int n) {
        double[] weights = new double[n];
        java.util.Arrays.fill(weights, 1.0 / n);
        return weights;
    }

    private static float[] weightedSum(float[][] rows, double[] weights) {
        float[] sum = new float[rows[0].length];
        for (int i = 0; i < rows.length; i++) {
            for (int j = 0; j < sum.length; j++) {
                sum[j] += (float) (weights[i] * rows[i][j]);
            }
        }
        return sum;
    }
}
