package io.seedstream.segmentation.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;

/** The few tensor operations the networks share, written once with DJL's PyTorch quirks handled. */
public final class Ops {

    /** DJL's code for bilinear interpolation in {@code NDArrayEx.interpolation}. */
    private static final int BILINEAR = 1;

    private Ops() {}

    public static NDArray conv(NDArray x, NDArray weight, NDArray bias, int stride, int padding, int dilation) {
        return x.getNDArrayInternal()
                .convolution(
                        x,
                        weight,
                        bias,
                        new Shape(stride, stride),
                        new Shape(padding, padding),
                        new Shape(dilation, dilation),
                        1)
                .singletonOrThrow();
    }

    /*
     * Arithmetic with a number. DJL's x.mul(Number) and its kin (div, maximum, minimum, pow) wrap the
     * number in a tensor over a Java buffer and free that buffer as soon as the call returns, while
     * autograd keeps the tensor for the backward pass: after a garbage collection the backward pass
     * reads freed memory, and the gradient is scaled by garbage (measured: 253 of 300 backward passes
     * wrong after a collection, values such as -1.4e34, sometimes NaN). Here the number is a tensor
     * libtorch allocates and owns, which autograd keeps alive for as long as it needs it. Use these,
     * never DJL's Number overloads, on anything a loss may be differentiated through.
     */

    /** x times a number. */
    public static NDArray mul(NDArray x, double value) {
        try (NDArray number = number(x, value)) {
            return x.mul(number);
        }
    }

    /** x divided by a number. */
    public static NDArray div(NDArray x, double value) {
        try (NDArray number = number(x, value)) {
            return x.div(number);
        }
    }

    /** The elementwise maximum of x and a number. */
    public static NDArray maximum(NDArray x, double value) {
        try (NDArray number = number(x, value)) {
            return x.maximum(number);
        }
    }

    /** A scalar of x's type on x's device, in memory libtorch owns. */
    private static NDArray number(NDArray x, double value) {
        return x.getManager().full(new Shape(), (float) value, x.getDataType());
    }

    public static NDArray relu(NDArray x) {
        return x.getNDArrayInternal().relu();
    }

    /** Mean over the last two axes, (..., h, w) to (...); one axis at a time (several at once throws). */
    public static NDArray spatialMean(NDArray x) {
        int last = x.getShape().dimension() - 1;
        return x.mean(new int[] {last}).mean(new int[] {last - 1});
    }

    /** Max over the last two axes, kept as size-1 axes so it broadcasts back. */
    public static NDArray spatialMax(NDArray x) {
        int last = x.getShape().dimension() - 1;
        return x.max(new int[] {last}, true).max(new int[] {last - 1}, true);
    }

    /**
     * Each map divided by its own maximum (maps that are all zero stay zero). The maximum is a
     * constant to autograd: through a tiny maximum the gradient is of order 1/max^2 and turned the
     * classifier's gradients non-finite after a few hundred steps with ReCAM and GAIN.
     */
    public static NDArray normalizeByMax(NDArray maps) {
        return maps.div(spatialMax(maps).stopGradient().add(1e-5f));
    }

    /** The given channels of (B, C, h, w), in the given order: (B, m, h, w); m may be 0. */
    public static NDArray channels(NDArray x, int[] channels) {
        if (channels.length == 0) {
            return x.get(":, 0:0");
        }
        NDList picked = new NDList();
        for (int c : channels) {
            picked.add(x.get(":, {}", c));
        }
        return NDArrays.stack(picked, 1);
    }

    /** Bilinear resize of (B, C, h, w) to (B, C, height, width). */
    public static NDArray resize(NDArray x, int height, int width) {
        return x.getNDArrayInternal().interpolation(new long[] {height, width}, BILINEAR, false);
    }
}
