package io.seedstream.segmentation.memory;

import io.seedstream.segmentation.config.SeedStreamConfig;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * MCIBI's dataset-level class memory, one class at a time: the state of a class is its C-vector
 * and how many images have updated it, so a streaming job can keep it as keyed state (key = class
 * id) and every update is a pure function of (state, this image's features of that class).
 *
 * <p>An image summarizes its pixels of class c as R'_c = sum_i w_i r_i with w_i proportional to
 * 1 - cos(r_i, M_c): the pixels the memory describes worst weigh most. The memory then moves
 * toward it, M_c = (1 - m) M_c + m R'_c, with m annealed polynomially in the number of updates.
 *
 * <p>A class may keep several prototypes (MCIBI's {@code num_feats_per_cls} in sssegmentation's
 * {@code memory.py}): the first images each set one more prototype to their mean, after that each
 * pixel is assigned to its most similar prototype and every prototype is updated by the rule above
 * from its own pixels. The background needs this: one vector cannot stand for several kinds of
 * background at once. The prototypes are stored one after the other in the state's vector, so a
 * one-prototype state is the same bytes as before.
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
        return update(state, pixelFeatures, 1);
    }

    /** The state after one image, the class keeping up to {@code prototypes} vectors (see the class comment). */
    public State update(State state, float[][] pixelFeatures, int prototypes) {
        if (pixelFeatures.length == 0) {
            return state;
        }
        int k = pixelFeatures[0].length;
        int kept = state.vector.length / Math.max(1, k);
        if (prototypes > 1 && state.updates > 0) {
            return kept < prototypes
                    ? appended(state, weightedSum(pixelFeatures, uniform(pixelFeatures.length)))
                    : updatedPrototypes(state, pixelFeatures, kept);
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

    private static State appended(State state, float[] prototype) {
        float[] vector = Arrays.copyOf(state.vector, state.vector.length + prototype.length);
        System.arraycopy(prototype, 0, vector, state.vector.length, prototype.length);
        return new State(vector, state.updates + 1);
    }

    /** Each pixel to its most similar prototype, and each prototype moved toward its own pixels' summary. */
    private State updatedPrototypes(State state, float[][] pixelFeatures, int count) {
        int k = pixelFeatures[0].length;
        float[][] prototypes = new float[count][];
        for (int p = 0; p < count; p++) {
            prototypes[p] = Arrays.copyOfRange(state.vector, p * k, (p + 1) * k);
        }
        List<List<float[]>> assigned = new ArrayList<>();
        for (int p = 0; p < count; p++) {
            assigned.add(new ArrayList<>());
        }
        for (float[] pixel : pixelFeatures) {
            assigned.get(nearest(pixel, prototypes)).add(pixel);
        }
        float m = (float) momentum(state.updates);
        float[] next = state.vector.clone();
        for (int p = 0; p < count; p++) {
            if (assigned.get(p).isEmpty()) {
                continue;
            }
            float[] summary = summary(assigned.get(p).toArray(new float[0][]), prototypes[p]);
            for (int j = 0; j < k; j++) {
                next[p * k + j] = (1 - m) * prototypes[p][j] + m * summary[j];
            }
        }
        return new State(next, state.updates + 1);
    }

    /** The index of the prototype most similar (cosine) to the pixel. */
    static int nearest(float[] pixel, float[][] prototypes) {
        int best = 0;
        double bestCosine = Double.NEGATIVE_INFINITY;
        for (int p = 0; p < prototypes.length; p++) {
            double c = cosine(pixel, prototypes[p]);
            if (c > bestCosine) {
                best = p;
                bestCosine = c;
            }
        }
        return best;
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
        Arrays.fill(weights, 1.0 / n);
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
