package io.seedstream.segmentation.loss;

import ai.djl.ndarray.NDArray;
import io.seedstream.segmentation.nn.Ops;

/** Multi-label binary cross-entropy on logits: every class is its own yes/no question. */
public final class MultiLabelLoss {

    private MultiLabelLoss() {}

    /**
     * Mean over images and classes of -[t log sigmoid(x) + (1 - t) log(1 - sigmoid(x))], computed
     * as max(x, 0) - x t + log(1 + exp(-|x|)) so large logits do not overflow.
     */
    public static NDArray bce(NDArray logits, NDArray targets) {
        return Ops.maximum(logits, 0)
                .sub(logits.mul(targets))
                .add(logits.abs().neg().exp().add(1f).log())
                .mean();
    }
}
