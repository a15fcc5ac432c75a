package io.seedstream.segmentation.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import io.seedstream.segmentation.config.SeedStreamConfig;
import java.util.ArrayList;
import java.util.List;

/**
 * DSRG's boundary (constrain) loss: the mean over pixels of KL(Q || P), where P is the segmenter's
 * class distribution and Q a dense-CRF refinement of it that follows the image's edges. DSRG runs a
 * fully connected CRF; here Q comes from a few mean-field iterations with the same two kernels (a
 * spatial one, and a bilateral one of position and colour) restricted to a local window, which keeps
 * the cost linear in the pixels. Potts compatibility: each iteration Q = softmax(log P + sum over
 * neighbours v of k(u, v) Q_v). Q is a fixed target: gradients flow only through P.
 */
public final class BoundaryLoss {

    private final SeedStreamConfig.Boundary config;

    public BoundaryLoss(SeedStreamConfig.Boundary config) {
        this.config = config;
    }

    /** Mean over pixels of KL(Q || P) for log-probabilities (B, K, h, w) and images (B, 3, h, w). */
    public NDArray loss(NDArray logProbs, NDArray images) {
        NDArray q = meanField(logProbs.stopGradient(), images);
        Shape shape = logProbs.getShape();
        long pixels = shape.get(0) * shape.get(2) * shape.get(3);
        return q.mul(q.add(1e-8f).log().sub(logProbs)).sum().div((float) pixels);
    }

    /** Q (B, K, h, w) after the configured mean-field iterations, starting from log P. */
    public NDArray meanField(NDArray logProbs, NDArray images) {
        int r = config.windowRadius();
        List<int[]> offsets = new ArrayList<>();
        List<NDArray> kernels = new ArrayList<>();
        for (int dy = -r; dy <= r; dy++) {
            for (int dx = -r; dx <= r; dx++) {
                if (dx != 0 || dy != 0) {
                    offsets.add(new int[] {dy, dx});
                    kernels.add(kernel(images, dy, dx));
                }
            }
        }
        NDArray q = logProbs.softmax(1);
        for (int i = 0; i < config.iterations(); i++) {
            NDArray message = null;
            for (int o = 0; o < offsets.size(); o++) {
                NDArray term = shifted(q, offsets.get(o)[0], offsets.get(o)[1]).mul(kernels.get(o));
                message = message == null ? term : message.add(term);
            }
            q = logProbs.add(message).softmax(1);
        }
        return q;
    }

    /**
     * k(u, u + o) for every pixel u (B, 1, h, w): w_s exp(-|o|^2 / 2 sigma_s^2) + w_b exp(-|o|^2 / 2
     * sigma_b^2 - |I_u - I_{u+o}|^2 / 2 sigma_c^2). Outside the image the shifted Q is zero, so the
     * kernel's value there never counts.
     */
    private NDArray kernel(NDArray images, int dy, int dx) {
        double distance = dx * dx + dy * dy;
        float spatial = (float) (config.spatialWeight() * Math.exp(-distance / (2 * sq(config.spatialSigma()))));
        float bilateral = (float) (config.bilateralWeight() * Math.exp(-distance / (2 * sq(config.bilateralSpatialSigma()))));
        NDArray colourDistance = images.sub(shifted(images, dy, dx)).square().sum(new int[] {1}, true);
        return colourDistance.div((float) (-2 * sq(config.colourSigma()))).exp().mul(bilateral).add(spatial);
    }

    /** x shifted so that out[u] = x[u + (dy, dx)], zero where u + (dy, dx) is outside. */
    static NDArray shifted(NDArray x, int dy, int dx) {
        int r = Math.max(Math.abs(dy), Math.abs(dx));
        Shape shape = x.getShape();
        long h = shape.get(2);
        long w = shape.get(3);
        return x.pad(new Shape(r, r, r, r), 0).get(new NDIndex(":, :, {}:{}, {}:{}", r + dy, r + dy + h, r + dx, r + dx + w));
    }

    private static double sq(double x) {
        return x * x;
    }
}
