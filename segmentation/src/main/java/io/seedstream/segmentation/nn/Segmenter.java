package io.seedstream.segmentation.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.List;

/**
 * A fully convolutional segmentation network in DeepLab's shape: a dilated backbone (output stride
 * 4 by default) and a small ASPP, 3x3 convolutions at several dilations whose class scores are
 * summed, giving one score per class id (background included) at every output pixel. It owns its
 * parameters; every method takes and returns arrays of the caller's scope.
 */
public final class Segmenter implements Network {

    private final SegmenterArchitecture architecture;
    private final int numClasses;
    private final Parameters params;
    private final Backbone backbone;
    private final List<Integer> asppDilations;
    private final NDArray[] asppWeights;
    private final NDArray bias;

    public Segmenter(SegmenterArchitecture architecture, NDManager parent, long seed) {
        this.architecture = architecture;
        this.numClasses = architecture.numClasses();
        this.params = new Parameters(parent.newSubManager(), seed);
        this.backbone = new Backbone(params, architecture.channels(), architecture.strides(), architecture.dilations());
        this.asppDilations = architecture.asppDilations();
        int k = architecture.channels().get(architecture.channels().size() - 1);
        this.asppWeights = new NDArray[asppDilations.size()];
        for (int i = 0; i < asppWeights.length; i++) {
            // Scaled so the summed branches start at the variance of one: no branch dominates at first.
            asppWeights[i] = params.normal(
                    "aspp." + i + ".weight",
                    new Shape(numClasses, k, 3, 3),
                    Math.sqrt(1.0 / (9.0 * k * asppWeights.length)));
        }
        this.bias = params.constant("aspp.bias", new Shape(numClasses), 0f, true);
    }

    public int numClasses() {
        return numClasses;
    }

    @Override
    public SegmenterArchitecture architecture() {
        return architecture;
    }

    @Override
    public Parameters parameters() {
        return params;
    }

    /** Class scores (B, classes, h, w) at the output stride, for images (B, 3, H, W) in [0, 1]. */
    public NDArray logits(NDArray images, boolean training) {
        NDArray features = backbone.forward(images, training);
        NDArray sum = null;
        for (int i = 0; i < asppWeights.length; i++) {
            int d = asppDilations.get(i);
            NDArray branch = Ops.conv(features, asppWeights[i], null, 1, d, d);
            sum = sum == null ? branch : sum.add(branch);
        }
        NDArray channelBias = bias.reshape(1, numClasses, 1, 1);
        channelBias.attach(
                sum.getManager()); // a view of a parameter: freed with the images' scope, not kept with the model
        return sum.add(channelBias);
    }

    /** Class probabilities (B, classes, H, W) at image resolution: scores resized, then softmax. */
    public NDArray probabilities(NDArray images) {
        Shape shape = images.getShape();
        return Ops.resize(logits(images, false), (int) shape.get(2), (int) shape.get(3))
                .softmax(1);
    }

    @Override
    public void close() {
        params.close();
    }
}
