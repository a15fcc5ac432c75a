package io.seedstream.segmentation.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import io.seedstream.segmentation.nn.Parameters;
import java.util.Map;

/** Adam over a network's trainable parameters, with the gradient bookkeeping PyTorch leaves to us. */
final class AdamUpdates {

    private final Parameters params;
    private final Optimizer optimizer;

    AdamUpdates(Parameters params, double learningRate, double weightDecay) {
        this.params = params;
        this.optimizer = Optimizer.adam()
                .optLearningRateTracker(Tracker.fixed((float) learningRate))
                .optWeightDecays((float) weightDecay)
                .build();
    }

    /** PyTorch adds every backward pass into the parameters' gradients: start each step from zero. */
    void clearGradients(NDManager scope) {
        for (Map.Entry<String, NDArray> e : params.all().entrySet()) {
            if (params.isTrainable(e.getKey()) && e.getValue().hasGradient()) {
                NDArray gradient = e.getValue().getGradient();
                gradient.attach(scope); // the handle is per call; the parameter keeps its gradient buffer
                gradient.muli(0f);
            }
        }
    }

    /** One Adam step from the gradients of the last backward pass. */
    void apply(NDManager scope) {
        for (Map.Entry<String, NDArray> e : params.all().entrySet()) {
            if (!params.isTrainable(e.getKey())) {
                continue;
            }
            NDArray gradient = e.getValue().getGradient();
            gradient.attach(scope);
            optimizer.update(e.getKey(), e.getValue(), gradient);
        }
    }
}
