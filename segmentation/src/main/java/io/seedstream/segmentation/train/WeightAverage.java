package io.seedstream.segmentation.train;

import io.seedstream.segmentation.nn.Network;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An exponential moving average of a network's weights, the version a trainer serves: Adam at a
 * constant learning rate on noisy pseudo-labels moves the weights from one good point to another,
 * and the average sits between them instead of at whichever one the last step reached.
 *
 * <p>Each update mixes in the weights with {@code a = min(decay, 1 - 1 / (updates + 1))}: the true
 * mean of the first updates until the exponential average is the better estimate, as Mean Teacher's
 * {@code update_ema_variables} does (CuriousAI/mean-teacher, pytorch/main.py). The batch-norm
 * running statistics are averaged with the weights, as timm's {@code ModelEmaV2} averages the whole
 * state dict (huggingface/pytorch-image-models, timm/utils/model_ema.py), so the averaged weights
 * are scored with statistics that match them.
 */
public final class WeightAverage {

    private final double decay;
    private Map<String, float[]> average;
    private long updates;

    /** {@code decay} in [0, 1): 0 keeps only the latest weights. */
    public WeightAverage(double decay) {
        if (!(decay >= 0 && decay < 1)) {
            throw new IllegalArgumentException("decay must be in [0, 1), got " + decay);
        }
        this.decay = decay;
    }

    /** Mixes in the network's current weights. */
    public void update(Network network) {
        Map<String, float[]> weights = new LinkedHashMap<>();
        network.parameters().all().forEach((name, array) -> weights.put(name, array.toFloatArray()));
        update(weights);
    }

    /** Mixes in {@code weights} (every array named as in the first update). */
    public void update(Map<String, float[]> weights) {
        double a = Math.min(decay, 1 - 1.0 / (updates + 1));
        if (average == null) {
            average = copy(weights);
        } else {
            for (Map.Entry<String, float[]> e : average.entrySet()) {
                float[] mean = e.getValue();
                float[] latest = weights.get(e.getKey());
                for (int i = 0; i < mean.length; i++) {
                    mean[i] = (float) (a * mean[i] + (1 - a) * latest[i]);
                }
            }
        }
        updates++;
    }

    /** A copy of the averaged weights (null before the first update). */
    public Map<String, float[]> values() {
        return average == null ? null : copy(average);
    }

    /** How many weights were mixed in since the average was (re)started. */
    public long updates() {
        return updates;
    }

    /** Forgets the average: the next update starts it afresh. */
    public void clear() {
        average = null;
        updates = 0;
    }

    /** Starts again from {@code weights}, counted as {@code updates} updates (a restored state, or weights rolled back to). */
    public void reset(Map<String, float[]> weights, long updates) {
        average = copy(weights);
        this.updates = updates;
    }

    private static Map<String, float[]> copy(Map<String, float[]> weights) {
        Map<String, float[]> copy = new LinkedHashMap<>();
        weights.forEach((name, values) -> copy.put(name, values.clone()));
        return copy;
    }
}
