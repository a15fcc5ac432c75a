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
            weights[i] = params.he("backbone." + i + ".weight", new Shape(out, in, 3, 3));
            gammas[i] = params.constant("backbone." + i + ".gamma", new Shape(out), 1f, true);
            betas[i] = params.constant("backbone." + i + ".beta", new Shape(out), 0f, true);
            runningMeans[i] = params.constant("backbone." + i + ".runningMean", new Shape(out), 0f, false);
            runningVars[i] = params.constant("backbone." + i + ".runningVar", new Shape(out), 1f, false);
            in = out;
        }
    }

    /**
     * Per-layer batch-norm statistics (mean and biased variance per channel) of one training
     * forward pass, detached: other images normalized with them go through exactly the function
     * that batch went through.
     */
    public record BatchStatistics(List<NDArray> means, List<NDArray> variances) {}

    /** Features of a training forward pass together with the batch statistics it normalized with. */
    public record TrainingForward(NDArray features, BatchStatistics statistics) {}

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

    /** A training forward pass (batch statistics, running statistics updated) that also returns those statistics. */
    public TrainingForward trainingForward(NDArray images) {
        NDArray x = input(images);
        List<NDArray> means = new ArrayList<>();
        List<NDArray> variances = new ArrayList<>();
        for (int i = 0; i < layers; i++) {
            NDArray convolved = conv(i, x);
            NDArray detached = convolved.stopGradient();
            NDArray mean = perChannelMean(detached);
            means.add(mean.reshape(mean.size()));
            variances.add(perChannelMean(detached.sub(mean).square()).reshape(mean.size()));
            x = normalizedLayer(i, convolved, runningMeans[i], runningVars[i], true);
        }
        return new TrainingForward(x, new BatchStatistics(List.copyOf(means), List.copyOf(variances)));
    }

    /**
     * Images normalized with another batch's statistics instead of their own or the running ones.
     * GAIN's erased images need this: nearly constant images have a tiny batch variance that blows
     * the gradient up, and the running statistics, which lag the weights, made the erased pass a
     * different network that learned to score every erased image 1 (attention mining stuck at 1,
     * then non-finite gradients).
     */
    public NDArray forward(NDArray images, BatchStatistics statistics) {
        NDArray x = input(images);
        for (int i = 0; i < layers; i++) {
            x = normalizedLayer(i, conv(i, x), statistics.means().get(i), statistics.variances().get(i), false);
        }
        return x;
    }

    /** The mean over batch and pixels, (1, C, 1, 1); PyTorch's engine reduces one axis at a time. */
    private static NDArray perChannelMean(NDArray x) {
        return x.mean(new int[] {3}, true).mean(new int[] {2}, true).mean(new int[] {0}, true);
    }

    private static NDArray input(NDArray images) {
        return images.sub(0.5f).mul(4f); // roughly zero-mean, unit-variance inputs
    }

    private NDArray conv(int layer, NDArray x) {
        int d = dilations.get(layer);
        return Ops.conv(x, weights[layer], null, strides.get(layer), d, d);
    }

    private NDArray normalizedLayer(int layer, NDArray x, NDArray mean, NDArray variance, boolean training) {
        return BatchNorm.batchNorm(x, mean, variance, gammas[layer], betas[layer], 1, BN_MOMENTUM, BN_EPSILON, training)
                .singletonOrThrow()
                .getNDArrayInternal()
                .relu();
    }
}
