package io.seedstream.model;

import ai.djl.modality.cv.Image;
import ai.djl.modality.cv.output.CategoryMask;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.translate.NoBatchifyTranslator;
import ai.djl.translate.TranslatorContext;
import io.seedstream.segmentation.data.WorkingSize;
import io.seedstream.segmentation.nn.SegmentationMasks;
import io.seedstream.segmentation.train.Batches;
import java.util.List;

/**
 * An image of any size in, its segmentation at the same size out, as the SeedStream model server
 * computes it ({@link SegmentationMasks}): the image resized to the segmenter's input size, its
 * scores upsampled to the image's size before the argmax. One image at a time.
 */
public final class SegmentationTranslator implements NoBatchifyTranslator<Image, CategoryMask> {

    /** The segmenter's input size for an image of a given width and height. */
    @FunctionalInterface
    public interface InputSize {
        WorkingSize of(int width, int height);
    }

    private final List<String> classes;
    private final InputSize inputSize;

    /**
     * @param classes the segmenter's class names by id, background first
     * @param inputSize the network's input size per image: its working size ({@code WorkingSize.of(w,
     *     h, shortSide)}), or a fixed size for models exported before the working resolution
     */
    public SegmentationTranslator(List<String> classes, InputSize inputSize) {
        this.classes = List.copyOf(classes);
        this.inputSize = inputSize;
    }

    @Override
    public NDList processInput(TranslatorContext ctx, Image input) {
        int width = input.getWidth();
        int height = input.getHeight();
        byte[] rgb;
        try (NDArray pixels = input.toNDArray(ctx.getNDManager(), Image.Flag.COLOR)) { // (H, W, 3), RGB
            rgb = pixels.toType(DataType.UINT8, false).toByteArray();
        }
        ctx.setAttachment("size", new int[] {width, height});
        return new NDList(Batches.images(
                ctx.getNDManager(), List.of(SegmentationMasks.input(width, height, rgb, inputSize.of(width, height)))));
    }

    @Override
    public CategoryMask processOutput(TranslatorContext ctx, NDList list) {
        int[] size = (int[]) ctx.getAttachment("size");
        int width = size[0];
        byte[] ids = SegmentationMasks.mask(list.singletonOrThrow().get(0), width, size[1]);
        int[][] mask = new int[size[1]][width];
        for (int i = 0; i < ids.length; i++) {
            mask[i / width][i % width] = ids[i] & 0xFF;
        }
        return new CategoryMask(classes, mask);
    }
}
