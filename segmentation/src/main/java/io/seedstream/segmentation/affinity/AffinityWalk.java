package io.seedstream.segmentation.affinity;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.seedstream.segmentation.config.SeedStreamConfig;
import io.seedstream.segmentation.nn.AffinityHead;
import io.seedstream.segmentation.nn.Classifier;
import io.seedstream.segmentation.nn.Ops;
import io.seedstream.segmentation.seeds.ConfidentSeeds;
import java.util.List;

/**
 * Dense pseudo-labels from class maps and a trained affinity head, as IRN's {@code
 * step/make_sem_seg_labels.py} makes them: the maps at the affinity grid's size are walked with the
 * head's affinities ({@link RandomWalk}), resized to the image, divided by their one maximum over
 * all classes and pixels, and the background then scores a constant in the argmax.
 */
public final class AffinityWalk {

    private final SeedStreamConfig.Affinity config;
    private final PairOffsets offsets;
    private final RandomWalk walk;

    public AffinityWalk(SeedStreamConfig.Affinity config) {
        this.config = config;
        this.offsets = PairOffsets.within(config.radius());
        this.walk = new RandomWalk(offsets, config.beta(), config.logSteps());
    }

    public PairOffsets offsets() {
        return offsets;
    }

    /**
     * The affinity grid of an image, {height, width}: its size divided by the stride that gives
     * about {@code gridSide} cells along the long side (at least 1).
     */
    public int[] grid(int height, int width) {
        int stride = Math.max(1, (int) Math.round(Math.max(height, width) / (double) config.gridSide()));
        return new int[] {(height + stride - 1) / stride, (width + stride - 1) / stride};
    }

    /**
     * One image's maps walked with the head's affinities over {@code classifier}'s features on the grid.
     *
     * @param image the image (1, 3, height, width), as {@code Batches.images} makes it
     * @param maps its class maps at its size (1, m, height, width)
     * @return the walked maps at the image's size, divided by their maximum (1, m, height, width)
     */
    public NDArray walked(AffinityHead head, Classifier classifier, NDArray image, NDArray maps) {
        int height = (int) image.getShape().get(2);
        int width = (int) image.getShape().get(3);
        int[] grid = grid(height, width);
        return walked(head, classifier.affinityInput(image, grid[0], grid[1]), maps, height, width);
    }

    /**
     * @param levels the affinity head's input for one image on its {@link #grid} (1, K, h, w), see
     *     {@code Classifier.affinityInput}
     * @param maps the image's class maps at the image's size (1, m, height, width)
     * @return the walked maps resized to the image and divided by their maximum (1, m, height, width)
     */
    private NDArray walked(AffinityHead head, NDArray levels, NDArray maps, int height, int width) {
        Shape shape = levels.getShape();
        int h = (int) shape.get(2);
        int w = (int) shape.get(3);
        NDArray gridMaps = h == height && w == width ? maps : Ops.resize(maps, h, w);
        List<NDArray> affinities = PairAffinity.affinities(head.embedding(levels), offsets);
        float[][] perOffset = new float[affinities.size()][];
        for (int o = 0; o < perOffset.length; o++) {
            perOffset[o] = affinities.get(o).toFloatArray();
        }
        float[] propagated = walk.propagate(perOffset, gridMaps.toFloatArray(), w, h);
        NDManager manager = maps.getManager();
        NDArray walkedGrid = manager.create(propagated, gridMaps.getShape());
        NDArray resized = h == height && w == width ? walkedGrid : Ops.resize(walkedGrid, height, width);
        return resized.div(resized.max().add(1e-5f));
    }

    /** The labels of walked maps (class-major, m x pixels): the background constant against them in an argmax. */
    public int[] labels(float[] walkedMaps, int[] classIds, int background) {
        return ConfidentSeeds.argmaxWithBackground(walkedMaps, classIds, background, config.backgroundScore());
    }
}
