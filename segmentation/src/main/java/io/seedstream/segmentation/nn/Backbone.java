package io.seedstream.segmentation.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.norm.BatchNorm;
import java.util.ArrayList;
import java.util.List;

/**
 * A plain CNN sized for CPU training from scratch: 3x3 conv + batch norm + ReLU per layer, with the
 * strides and dilations of the configuration. Output: the k x h x w feature map the heads read.
 */
public final class Backbone {

    /** Every backbone parameter's name starts with it, in the classifier and the segmenter alike. */
    public static final String PARAMETER_PREFIX = "backbone.";

    private static final float BN_MOMENTUM = 0.9f;
    private static final float BN_EPSILON = 1e-5f;

    private final int layers;
    private final List<Integer> strides;
    private final List<Integer> dilations;
    private final NDArray[] weights;
    private final NDArray[] gammas;
    private final NDArray[] betas;
    private final NDArray[] runningMeans;
    private final NDArray[] runningVars;

    public Backbone(Parameters params, List<Integer> channels, List<Integer> strides, List<Integer> dilations) {
        this.layers = channels.size();
        this.strides = List.copyOf(strides);
        this.dilations = List.copyOf(dilations);
        weights = new NDArray[layers];
        gammas = new NDArray[layers];
        betas = new NDArray[layers];
        runningMeans = new NDArray[layers];
        runningVars = new NDArray[layers];
        int in = 3;
        for (int i = 0; i < layers; i++) {
            int out = channels.get(i);
            weights[i] = params.he(PARAMETER_PREFIX + i + ".weight", new Shape(out, in, 3, 3));
            gammas[i] = params.constant(PARAMETER_PREFIX + i + ".gamma", new Shape(out), 1f, true);
            betas[i] = params.constant(PARAMETER_PREFIX + i + ".beta", new Shape(out), 0f, true);
            runningMeans[i] = params.constant(PARAMETER_PREFIX + i + ".runningMean", new Shape(out), 0f, false);
            runningVars[i] = params.constant(PARAMETER_PREFIX + i + ".runningVar", new Shape(out), 1f, false);
            in = out;
        }
    }

    /** Images (B, 3, H, W) in [0, 1] to features (B, k, H / stride, W / stride). */
    public NDArray forward(NDArray images, boolean training) {
        NDArray x = input(images);
        for (int i = 0; i < layers; i++) {
            x = normalizedLayer(i, conv(i, x), runningMeans[i], runningVars[i], training);
        }
        return x;
    }

    /** Every layer's output of an inference pass (running statistics), first layer first. */
    public List<NDArray> levels(NDArray images) {
        List<NDArray> outputs = new ArrayList<>(layers);
        NDArray x = input(images);
        for (int i = 0; i < layers; i++) {
            x = normalizedLayer(i, conv(i, x), runningMeans[i], runningVars[i], false);
            outputs.add(x);
        }
        return outputs;
    }

    /**
     * An inference pass (running statistics) whose batch-norm scales and shifts are detached, so that
     * a loss on it trains the convolutions alone: GAIN's erased pass, as the references run it with
     * the network in eval mode. The erased images are nearly constant; their own batch statistics
     * would divide by a tiny variance, and updating the running statistics with them would corrupt
     * the statistics every later pass uses.
     */
    public NDArray frozenForward(NDArray images) {
        NDArray x = input(images);
        for (int i = 0; i < layers; i++) {
            NDArray gamma = gammas[i].stopGradient();
            gamma.attach(x.getManager()); // derived from a parameter: freed with the batch
            NDArray beta = betas[i].stopGradient();
            beta.attach(x.getManager());
            x = normalizedLayer(conv(i, x), runningMeans[i], runningVars[i], gamma, beta, false);
        }
        return x;
    }

    private static NDArray input(NDArray images) {
        return Ops.mul(images.sub(0.5f), 4); // roughly zero-mean, unit-variance inputs
    }

    private NDArray conv(int layer, NDArray x) {
        int d = dilations.get(layer);
        return Ops.conv(x, weights[layer], null, strides.get(layer), d, d);
    }

    private NDArray normalizedLayer(int layer, NDArray x, NDArray mean, NDArray variance, boolean training) {
        return normalizedLayer(x, mean, variance, gammas[layer], betas[layer], training);
    }

    private static NDArray normalizedLayer(
            NDArray x, NDArray mean, NDArray variance, NDArray gamma, NDArray beta, boolean training) {
        return BatchNorm.batchNorm(x, mean, variance, gamma, beta, 1, BN_MOMENTUM, BN_EPSILON, training)
                .singletonOrThrow()
                .getNDArrayInternal()
                .relu();
    }
}
