package io.seedstream.segmentation.localization;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import io.seedstream.segmentation.nn.Ops;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * Class maps of one image from several scales and a horizontal flip, as IRN's {@code
 * step/make_cam.py} and ReCAM's {@code step/make_recam.py} compute them: the image is resized to
 * each scale, the flipped copy rides in the same batch, each output is rectified and the flipped
 * one flipped back, everything is resized to the target size and summed, and each class map is
 * finally divided by its own maximum (+1e-5, as the references do). Small objects are found at the
 * large scales, whole large objects at the small ones; the flip averages out the network's
 * left-right bias.
 */
public final class MultiScaleMaps {

    private final List<Double> scales;
    private final boolean flip;

    public MultiScaleMaps(List<Double> scales, boolean flip) {
        if (scales.isEmpty() || scales.stream().anyMatch(s -> !(s > 0))) {
            throw new IllegalArgumentException("multi-scale maps need one or more positive scales, got " + scales);
        }
        this.scales = List.copyOf(scales);
        this.flip = flip;
    }

    /**
     * @param image one image (1, 3, H, W)
     * @param classMaps the network's class maps (B, m, h, w) of a batch of images (rectified here)
     * @param height the height of the maps returned (the image's, or the feature map's)
     * @return the summed maps, each divided by its maximum: (1, m, height, width) in [0, 1]
     */
    public NDArray maps(NDArray image, UnaryOperator<NDArray> classMaps, int height, int width) {
        Shape shape = image.getShape();
        if (shape.dimension() != 4 || shape.get(0) != 1) {
            throw new IllegalArgumentException("multi-scale maps take one image (1, 3, H, W), got " + shape);
        }
        NDArray sum = null;
        for (double scale : scales) {
            NDArray scaled = scale == 1.0
                    ? image
                    : Ops.resize(image, scaledSide(shape.get(2), scale), scaledSide(shape.get(3), scale));
            NDArray batch = flip ? NDArrays.concat(new NDList(scaled, scaled.flip(3))) : scaled;
            NDArray maps = Ops.relu(classMaps.apply(batch));
            NDArray perScale = flip ? maps.get("0:1").add(maps.get("1:2").flip(3)) : maps;
            NDArray resized = Ops.resize(perScale, height, width);
            sum = sum == null ? resized : sum.add(resized);
        }
        return Ops.normalizeByMax(sum);
    }

    private static int scaledSide(long side, double scale) {
        return Math.max(1, (int) Math.round(side * scale));
    }
}
