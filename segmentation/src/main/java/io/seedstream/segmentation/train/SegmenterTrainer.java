package io.seedstream.segmentation.train;

import ai.djl.TrainingDivergedException;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.seedstream.segmentation.config.SeedStreamConfig;
import io.seedstream.segmentation.data.ClassList;
import io.seedstream.segmentation.data.LabeledImage;
import io.seedstream.segmentation.loss.BalancedSeedLoss;
import io.seedstream.segmentation.loss.BoundaryLoss;
import io.seedstream.segmentation.nn.Autograd;
import io.seedstream.segmentation.nn.Ops;
import io.seedstream.segmentation.nn.Segmenter;
import java.util.Arrays;
import java.util.List;

/**
 * One optimisation step at a time for the segmenter on pseudo-labels (seeds, or seeds grown by
 * region growing): the seed loss (plain or balanced), optionally DSRG's boundary loss, and for
 * images that come with a pixel mask optionally alpha times the full cross-entropy on that mask.
 */
public final class SegmenterTrainer {

    /** Which terms the loss has, on top of the seed loss. */
    public record Objective(boolean balancedSeeds, boolean boundary, boolean pixelMasks) {}

    /** One training image with its pseudo-labels (class id or negative for "no label" per pixel). */
    public record Example(LabeledImage image, int[] labels) {}

    /** The loss terms of one step (0 for terms that are off). */
    public record StepLosses(double total, double seed, double boundary, double fullMask) {}

    private final Segmenter model;
    private final SeedStreamConfig config;
    private final ClassList classes;
    private final Objective objective;
    private final BoundaryLoss boundaryLoss;
    private final AdamUpdates updates;

    public SegmenterTrainer(Segmenter model, SeedStreamConfig config, ClassList classes, Objective objective) {
        this.model = model;
        this.config = config;
        this.classes = classes;
        this.objective = objective;
        this.boundaryLoss = new BoundaryLoss(config.boundary());
        this.updates = new AdamUpdates(model.parameters(), config.segmenter().learningRate(), 0);
    }

    /** The optimizer's memory, to save with the weights (see {@link TrainingCheckpoint}). */
    public AdamUpdates.State optimizerState() {
        return updates.state();
    }

    /** Continues the optimizer of a saved run; the model's weights must be that run's. */
    public void restoreOptimizer(AdamUpdates.State state) {
        updates.restore(state);
    }

    public StepLosses step(List<Example> batch) {
        try (NDManager scope = model.parameters().manager().newSubManager()) {
            updates.clearGradients(scope);
            List<LabeledImage> images = batch.stream().map(Example::image).toList();
            NDArray pixels = Batches.images(scope, images);
            int height = images.get(0).height();
            int width = images.get(0).width();
            NDArray seeds = Batches.oneHot(
                    scope, batch.stream().map(Example::labels).toList(), model.numClasses(), height, width);
            StepLosses losses;
            try (Autograd.Recording recording = Autograd.record()) {
                NDArray logits = model.logits(pixels, true);
                NDArray logProbs = Ops.resize(logits, height, width).logSoftmax(1);
                NDArray seed = objective.balancedSeeds()
                        ? BalancedSeedLoss.balanced(logProbs, seeds, classes.background())
                        : BalancedSeedLoss.crossEntropy(logProbs, seeds);
                NDArray total = seed;
                NDArray boundary = null;
                double boundaryWeight = objective.boundary() ? boundaryLoss.weightAt(updates.steps()) : 0;
                if (boundaryWeight
                        > 0) { // at the output resolution, against the image shrunk to it, as DSRG's CRFLayer
                    long[] out = logits.getShape().getShape();
                    NDArray small = Ops.resize(pixels, (int) out[2], (int) out[3]);
                    boundary = boundaryLoss.loss(logits, small);
                    total = total.add(Ops.mul(boundary, boundaryWeight));
                }
                NDArray fullMask = null;
                if (objective.pixelMasks() && images.stream().anyMatch(LabeledImage::hasMask)) {
                    // Images without a mask get all-zero rows, which add nothing to the cross-entropy.
                    List<int[]> masks = images.stream()
                            .map(i -> i.hasMask() ? Batches.maskLabels(i.mask()) : unlabeled(height * width))
                            .toList();
                    NDArray truth = Batches.oneHot(scope, masks, model.numClasses(), height, width);
                    fullMask = BalancedSeedLoss.crossEntropy(logProbs, truth);
                    total = total.add(Ops.mul(fullMask, config.segmenter().fullLabelWeight()));
                }
                losses = new StepLosses(total.getFloat(), seed.getFloat(), value(boundary), value(fullMask));
                if (!Double.isFinite(losses.total())) {
                    throw new TrainingDivergedException(
                            "segmenter training diverged (loss " + losses + "); lower segmenter.learningRate");
                }
                recording.backward(total);
            }
            updates.apply(scope);
            return losses;
        }
    }

    private static int[] unlabeled(int pixels) {
        int[] labels = new int[pixels];
        Arrays.fill(labels, -1);
        return labels;
    }

    private static double value(NDArray term) {
        return term == null ? 0 : term.getFloat();
    }
}
