package io.seedstream.segmentation.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;

/**
 * AffinityNet's embedding as a small head on a trained classifier's features (PSA's {@code
 * network/resnet38_aff.py} reads three backbone levels through 1x1 convolutions with ELU; IRN
 * likewise trains its branch on a frozen backbone): 1x1 convolutions with ELU over the image's
 * colours and the classifier's levels at the output stride ({@link Classifier#affinityInput}),
 * whose output's L1 distances give pixel affinities (see {@code affinity.PairAffinity}). The
 * classifier is not trained through it.
 */
public final class AffinityHead implements Network {

    private final AffinityArchitecture architecture;
    private final Parameters params;
    private final NDArray[] weights;
    private final NDArray[] biases;

    public AffinityHead(AffinityArchitecture architecture, NDManager parent, long seed) {
        this.architecture = architecture;
        this.params = new Parameters(parent.newSubManager(), seed);
        int layers = architecture.channels().size();
        this.weights = new NDArray[layers];
        this.biases = new NDArray[layers];
        int in = architecture.inputChannels();
        for (int i = 0; i < layers; i++) {
            int out = architecture.channels().get(i);
            weights[i] = params.he("affinity." + i + ".weight", new Shape(out, in, 1, 1));
            biases[i] = params.constant("affinity." + i + ".bias", new Shape(out), 0f, true);
            in = out;
        }
    }

    @Override
    public AffinityArchitecture architecture() {
        return architecture;
    }

    @Override
    public Parameters parameters() {
        return params;
    }

    /** The embedding (B, D, h, w) of {@link Classifier#affinityInput} (B, inputChannels, h, w); gradients stop at the input. */
    public NDArray embedding(NDArray levels) {
        NDArray x = levels.stopGradient();
        for (int i = 0; i < weights.length; i++) {
            x = Activation.elu(Ops.conv(x, weights[i], biases[i], 1, 0, 1), 1f);
        }
        return x;
    }

    @Override
    public void close() {
        params.close();
    }
}
