package io.seedstream.model;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import io.seedstream.segmentation.nn.Autograd;
import io.seedstream.segmentation.nn.Segmenter;

/**
 * A trained {@link Segmenter} as a DJL block, for inference: images (B, 3, H, W) in [0, 1] in,
 * class scores (B, classes, H / stride, W / stride) out. Its weights are the segmenter's own,
 * loaded by {@link SegmenterBlockFactory}; the block has no DJL parameters to load or train.
 */
public final class SegmenterBlock extends AbstractBlock {

    private final Segmenter segmenter;

    SegmenterBlock(Segmenter segmenter) {
        this.segmenter = segmenter;
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore parameterStore, NDList inputs, boolean training, PairList<String, Object> params) {
        try (Autograd.Recording off = Autograd.pause()) { // on the caller's thread: no graph for inference
            return new NDList(segmenter.logits(inputs.singletonOrThrow(), false));
        }
    }

    /** Each backbone layer's padded 3 x 3 convolution gives ceil(size / stride). */
    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        long height = inputShapes[0].get(2);
        long width = inputShapes[0].get(3);
        for (int stride : segmenter.architecture().strides()) {
            height = (height + stride - 1) / stride;
            width = (width + stride - 1) / stride;
        }
        return new Shape[] {new Shape(inputShapes[0].get(0), segmenter.numClasses(), height, width)};
    }
}
