package io.seedstream.segmentation.localization;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import io.seedstream.segmentation.nn.Ops;

/**
 * FickleNet's stochastic head without the expansion, for one image and a few classes; not for
 * concurrent use. Between the center-preserving dropout and the
 * global average pooling the head is linear, so for the padded features x_p, the head's weights W
 * and a pass's dropout mask D (one value per window (i, j) and offset (a, b)):
 *
 * <pre>
 * score_c    = 1/(hw) sum_{a,b,i,j} D[a,b,i,j] P[c,a,b,i,j],    P[c,a,b,i,j] = sum_k W[c,k,a,b] x_p[k,i+a,j+b]
 * alpha[c,k] = 1/(hw)^2 sum_{a,b} W[c,k,a,b] M[a,b],           M[a,b] = sum of D[a,b,i,j] over windows whose pixel i+a, j+b is in x
 * </pre>
 *
 * <p>P is one 1 x 1 convolution with c*s*s outputs and a shift per offset, computed once per image;
 * each pass is then a masked sum, and its Grad-CAM weights (alpha, the spatial mean of d score /
 * d x, as the expanded form's autograd gives them) a small matrix product. The per-pixel gradient
 * (Grad-CAM with {@link GradCam.Weights#PIXEL}) factorizes the same way: sum_k d score / d x[k,y,x]
 * x[k,y,x] = 1/(hw) sum_{a,b} D[a,b,y+r-a,x+r-b] R[c,a,b,y,x] with R = P's 1 x 1 convolution over the
 * unpadded x. Memory is proportional to c*s*s*h*w, not to k*s*s*h*w*N as for the expansion.
 */
public final class FactorizedStochasticHead {

    private final NDArray features;
    private final NDArray weight;
    private final int s;
    private final int h;
    private final int w;
    private final long k;
    private final int classes;
    /** P transposed: (s*s*h*w, m), rows ordered (a, b, i, j). */
    private final NDArray windowScores;
    /** Mask positions inside x, ordered as the rows of {@link #windowScores}: (1, s*s*h*w). */
    private final NDArray interior;
    /** W by offset: (s*s, m*k). */
    private final NDArray weightByOffset;
    /** R: (1, m, s*s, h*w), or null when only channel weights are asked for. */
    private final NDArray pixelScores;

    /**
     * @param features (1, k, h, w) of one image
     * @param headWeight the FickleNet head's weight (C, k, s, s)
     * @param classIndex the classes to score and explain (rows of the head)
     * @param pixelMaps whether {@link #pixelMaps} will be used (it needs one more convolution)
     */
    public FactorizedStochasticHead(NDArray features, NDArray headWeight, int[] classIndex, boolean pixelMaps) {
        this.features = features;
        this.s = (int) headWeight.getShape().get(2);
        this.h = (int) features.getShape().get(2);
        this.w = (int) features.getShape().get(3);
        this.k = features.getShape().get(1);
        this.classes = classIndex.length;
        NDList rows = new NDList();
        for (int c : classIndex) {
            rows.add(headWeight.get(features.getManager(), c)); // with the image's arrays, not the model's
        }
        this.weight = NDArrays.stack(rows); // (m, k, s, s)
        int r = (s - 1) / 2;
        NDArray padded = features.pad(new Shape(r, r, r, r), 0);
        NDArray perOffset = Ops.conv(padded, offsetKernels(), null, 1, 0, 1); // (1, m*s*s, h+2r, w+2r)
        NDList shifted = new NDList();
        for (int a = 0; a < s; a++) {
            for (int b = 0; b < s; b++) {
                // Channel c*s*s + a*s + b at (i + a, j + b): offset (a, b) of window (i, j).
                shifted.add(perOffset.get("0, {}::{}, {}:{}, {}:{}", a * s + b, s * s, a, a + h, b, b + w));
            }
        }
        this.windowScores = NDArrays.stack(shifted, 1)
                .reshape(classes, (long) s * s * h * w)
                .transpose();
        this.interior = byOffset(FeatureMapExpansion.interior(features.getManager(), h, w, s));
        this.weightByOffset = weight.reshape((long) classes * k, (long) s * s).transpose();
        this.pixelScores = pixelMaps
                ? Ops.conv(features, offsetKernels(), null, 1, 0, 1).reshape(1, classes, (long) s * s, (long) h * w)
                : null;
    }

    /** The selected classes' weights as 1 x 1 kernels, output channel c*s*s + a*s + b: (m*s*s, k, 1, 1). */
    private NDArray offsetKernels() {
        return weight.transpose(0, 2, 3, 1).reshape((long) classes * s * s, k, 1, 1);
    }

    /** Masks (n, 1, s*h, s*w) of the expanded layout to (n, s*s*h*w), ordered (a, b, i, j). */
    private NDArray byOffset(NDArray masks) {
        long n = masks.getShape().get(0);
        return masks.reshape(n, h, s, w, s).transpose(0, 2, 4, 1, 3).reshape(n, (long) s * s * h * w);
    }

    /** Each pass's scores of the classes, without the bias: (n, m). */
    public NDArray scores(NDArray masks) {
        return Ops.div(byOffset(masks).matMul(windowScores), (double) h * w);
    }

    /** Each pass's Grad-CAM channel weights, the spatial mean of d score / d x: (n, m, k). */
    public NDArray channelWeights(NDArray masks) {
        long n = masks.getShape().get(0);
        NDArray kept = byOffset(masks)
                .mul(interior)
                .reshape(n, (long) s * s, (long) h * w)
                .sum(new int[] {2}); // M: (n, s*s)
        return Ops.div(kept.matMul(weightByOffset).reshape(n, classes, k), (double) h * w * h * w);
    }

    /** Grad-CAM maps (n, m, h, w): ReLU(sum_k alpha[c,k] x_k) for each pass. */
    public NDArray channelMaps(NDArray masks) {
        long n = masks.getShape().get(0);
        NDArray maps = channelWeights(masks).reshape(n * classes, k).matMul(features.reshape(k, (long) h * w));
        return Ops.relu(maps).reshape(n, classes, h, w);
    }

    /** Per-pixel gradient maps (n, m, h, w): ReLU(sum_k d score / d x[k,y,x] x[k,y,x]) for each pass. */
    public NDArray pixelMaps(NDArray masks) {
        long n = masks.getShape().get(0);
        int r = (s - 1) / 2;
        if (pixelScores == null) {
            throw new IllegalStateException("this head was made for channel weights only");
        }
        NDArray padded = byOffset(masks).reshape(n, (long) s * s, h, w).pad(new Shape(r, r, r, r), 0);
        NDList shifted = new NDList();
        for (int a = 0; a < s; a++) {
            for (int b = 0; b < s; b++) {
                // The mask of window (y + r - a, x + r - b) at offset (a, b), which covers pixel (y, x).
                shifted.add(padded.get(
                        ":, {}, {}:{}, {}:{}", a * s + b, 2 * r - a, 2 * r - a + h, 2 * r - b, 2 * r - b + w));
            }
        }
        NDArray masksAtPixels = NDArrays.stack(shifted, 1).reshape(n, 1, (long) s * s, (long) h * w);
        return Ops.relu(Ops.div(masksAtPixels.mul(pixelScores).sum(new int[] {2}), (double) h * w))
                .reshape(n, classes, h, w);
    }
}
