package io.seedstream.segmentation.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import io.seedstream.segmentation.data.LabeledImage;
import io.seedstream.segmentation.data.WorkingSize;

/**
 * How an image of any size becomes the segmenter's input (the image at its working size, {@link
 * WorkingSize}), and the segmenter's scores a mask at the image's own size: the model server's way,
 * and a model exported from SeedStream does the same.
 */
public final class SegmentationMasks {

    private SegmentationMasks() {}

    /** The image (interleaved RGB bytes) resized to the segmenter's input size. */
    public static LabeledImage input(int width, int height, byte[] rgb, WorkingSize size) {
        LabeledImage image = new LabeledImage("request", width, height, rgb, null, new int[0]);
        return size.width() == width && size.height() == height ? image : image.resized(size.width(), size.height());
    }

    /**
     * Class ids at {@code width x height}, row-major, from one image's scores (classes, h, w). The
     * scores are upsampled before the argmax, so class borders fall between output pixels.
     */
    public static byte[] mask(NDArray scores, int width, int height) {
        return Ops.resize(scores.expandDims(0), height, width)
                .argMax(1)
                .toType(DataType.UINT8, false)
                .toByteArray();
    }
}
