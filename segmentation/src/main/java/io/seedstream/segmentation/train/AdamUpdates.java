package io.seedstream.segmentation.train;

import ai.djl.TrainingDivergedException;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.jni.JniUtils;
import io.seedstream.segmentation.nn.Parameters;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * Adam (Kingma and Ba, 2015; beta1 0.9, beta2 0.999, epsilon 1e-8, weight decay as L2 on the
 * gradient) over a network's trainable parameters. The moments are ours rather than DJL's so that
 * they can be saved and restored: a restarted trainer resumes its optimizer, it does not start over.
 */
public final class AdamUpdates {

    private static final float BETA1 = 0.9f;
    private static final float BETA2 = 0.999f;
    private static final float EPSILON = 1e-8f;

    /** Everything Adam remembers: the number of steps taken and both moments per parameter. */
    public record State(long steps, Map<String, float[]> firstMoments, Map<String, float[]> secondMoments) {}

    private final Parameters params;
    private float learningRate;
    private final Map<String, Float> learningRateScales = new LinkedHashMap<>();
    private final float weightDecay;
    private final Map<String, NDArray> firstMoments = new LinkedHashMap<>();
    private final Map<String, NDArray> secondMoments = new LinkedHashMap<>();
    private long steps;

    public AdamUpdates(Parameters params, double learningRate, double weightDecay) {
        this(params, learningRate, weightDecay, name -> 1.0);
    }

    /** With a learning rate per parameter: {@code learningRate} times {@code scale} of its name. */
    public AdamUpdates(Parameters params, double learningRate, double weightDecay, ToDoubleFunction<String> scale) {
        this.params = params;
        this.learningRate = (float) learningRate;
        this.weightDecay = (float) weightDecay;
        for (Map.Entry<String, NDArray> e : params.all().entrySet()) {
            if (params.isTrainable(e.getKey())) {
                firstMoments.put(e.getKey(), params.manager().zeros(e.getValue().getShape()));
                learningRateScales.put(e.getKey(), (float) scale.applyAsDouble(e.getKey()));
                secondMoments.put(
                        e.getKey(), params.manager().zeros(e.getValue().getShape()));
            }
        }
    }

    /** Changes the base learning rate from the next step on (the per-parameter scales stay). */
    public void setLearningRate(double learningRate) {
        this.learningRate = (float) learningRate;
    }

    /** Steps applied so far (restored with {@link #restore}): the step count of schedules such as the boundary loss's ramp. */
    public long steps() {
        return steps;
    }

    /** PyTorch adds every backward pass into the parameters' gradients: start each step from zero. */
    public void clearGradients(NDManager scope) {
        for (Map.Entry<String, NDArray> e : params.all().entrySet()) {
            if (params.isTrainable(e.getKey()) && e.getValue().hasGradient()) {
                NDArray gradient = e.getValue().getGradient();
                gradient.attach(scope); // the handle is per call; the parameter keeps its gradient buffer
                gradient.muli(0f);
                // NaN * 0 is NaN: without this one non-finite backward pass poisoned every later step.
                gradient.set(gradient.isNaN(), 0f);
            }
        }
    }

    /**
     * One Adam step from the gradients of the last backward pass; temporaries live in {@code scope}.
     * A gradient with NaN or infinity changes nothing and throws (as mixed-precision trainers skip
     * such steps): one bad batch must not poison the weights and the moments.
     */
    public void apply(NDManager scope) {
        Map<String, NDArray> gradients = new LinkedHashMap<>();
        List<String> nonFinite = new ArrayList<>();
        for (String name : firstMoments.keySet()) {
            NDArray gradient = params.all().get(name).getGradient();
            gradient.attach(scope);
            if (gradient.isNaN().logicalOr(gradient.isInfinite()).any().getBoolean()) {
                nonFinite.add(name);
            }
            gradients.put(name, gradient);
        }
        if (!nonFinite.isEmpty()) { // all of them: where the non-finite values start tells their cause
            throw new TrainingDivergedException("non-finite gradient for " + String.join(", ", nonFinite) + " ("
                    + nonFinite.size() + " of " + gradients.size() + " parameters); the step was skipped");
        }
        steps++;
        float firstCorrection = 1 - (float) Math.pow(BETA1, steps);
        float secondCorrection = 1 - (float) Math.pow(BETA2, steps);
        boolean gradMode = JniUtils.isGradMode();
        JniUtils.setGradMode(false); // in-place updates of leaves that require gradients
        try {
            for (Map.Entry<String, NDArray> e : firstMoments.entrySet()) {
                NDArray weight = params.all().get(e.getKey());
                NDArray gradient = gradients.get(e.getKey());
                if (weightDecay != 0) {
                    gradient = gradient.add(scoped(scope, weight.mul(weightDecay)));
                }
                NDArray first = e.getValue().muli(BETA1).addi(gradient.mul(1 - BETA1));
                NDArray second = secondMoments
                        .get(e.getKey())
                        .muli(BETA2)
                        .addi(gradient.square().muli(1 - BETA2));
                NDArray denominator =
                        scoped(scope, second.div(secondCorrection)).sqrt().addi(EPSILON);
                weight.subi(scoped(scope, first.div(firstCorrection))
                        .divi(denominator)
                        .muli(learningRate * learningRateScales.get(e.getKey())));
            }
        } finally {
            JniUtils.setGradMode(gradMode);
        }
    }

    public State state() {
        return new State(steps, values(firstMoments), values(secondMoments));
    }

    /** Continues from a saved state of an optimizer over the same parameters. */
    public void restore(State state) {
        if (!state.firstMoments().keySet().equals(firstMoments.keySet())
                || !state.secondMoments().keySet().equals(secondMoments.keySet())) {
            throw new IllegalArgumentException("optimizer state is for parameters "
                    + state.firstMoments().keySet() + ", these are " + firstMoments.keySet());
        }
        firstMoments.forEach((name, array) -> array.set(state.firstMoments().get(name)));
        secondMoments.forEach((name, array) -> array.set(state.secondMoments().get(name)));
        steps = state.steps();
    }

    /** Ops on a parameter-owned array return arrays of the parameters' manager: move them to the step's scope. */
    private static NDArray scoped(NDManager scope, NDArray temporary) {
        temporary.attach(scope);
        return temporary;
    }

    private static Map<String, float[]> values(Map<String, NDArray> arrays) {
        Map<String, float[]> values = new LinkedHashMap<>();
        arrays.forEach((name, array) -> values.put(name, array.toFloatArray()));
        return values;
    }
}
