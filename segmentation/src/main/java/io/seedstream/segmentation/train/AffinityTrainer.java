package io.seedstream.segmentation.train;

import ai.djl.TrainingDivergedException;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.seedstream.segmentation.affinity.AffinityLabels;
import io.seedstream.segmentation.affinity.AffinityWalk;
import io.seedstream.segmentation.affinity.PairAffinity;
import io.seedstream.segmentation.config.SeedStreamConfig;
import io.seedstream.segmentation.data.LabeledImage;
import io.seedstream.segmentation.nn.AffinityHead;
import io.seedstream.segmentation.nn.Autograd;
import io.seedstream.segmentation.nn.Classifier;
import java.util.List;
import java.util.Random;

/**
 * One optimisation step at a time for the affinity head on confident seeds (AffinityNet's loss,
 * {@link PairAffinity#loss}), reading a trained classifier that is not itself trained (IRN trains
 * its branch on a frozen backbone). The head learns on the affinity grid ({@link AffinityWalk#grid});
 * each step takes one random window of {@code affinity.trainingCrop} cells of that grid from the
 * batch, as IRN and PSA train on random crops: the pairs, and the cost, grow with the window's area.
 */
public final class AffinityTrainer {

    /** One image with its seeds at the image's size (class id per pixel, {@code ConfidentSeeds.UNSEEDED} for none). */
    public record Example(LabeledImage image, int[] seeds) {}

    private final AffinityHead head;
    private final AffinityWalk walk;
    private final int background;
    private final int crop;
    private final AdamUpdates updates;
    private final Random random;

    /** @param background the background's class id, or -1 for data sets without one */
    public AffinityTrainer(AffinityHead head, SeedStreamConfig.Affinity settings, int background) {
        this.head = head;
        this.walk = new AffinityWalk(settings);
        this.background = background;
        this.crop = settings.trainingCrop();
        this.updates = new AdamUpdates(head.parameters(), settings.learningRate(), 0);
        this.random = new Random(settings.seed());
    }

    /** The optimizer's memory, to save with the weights (see {@link TrainingCheckpoint}). */
    public AdamUpdates.State optimizerState() {
        return updates.state();
    }

    /** Continues the optimizer of a saved run; the head's weights must be that run's. */
    public void restoreOptimizer(AdamUpdates.State state) {
        updates.restore(state);
    }

    /**
     * One step on a batch of images of one size, with {@code classifier}'s features.
     *
     * @return the loss
     * @throws TrainingDivergedException when the loss is not finite (the step is not applied)
     */
    public double step(Classifier classifier, List<Example> batch) {
        LabeledImage first = batch.get(0).image();
        int[] grid = walk.grid(first.height(), first.width());
        int height = Math.min(crop, grid[0]);
        int width = Math.min(crop, grid[1]);
        int top = random.nextInt(grid[0] - height + 1);
        int left = random.nextInt(grid[1] - width + 1);
        try (NDManager scope = head.parameters().manager().newSubManager()) {
            updates.clearGradients(scope);
            NDArray levels = classifier.affinityInput(
                    Batches.images(scope, batch.stream().map(Example::image).toList()),
                    grid[0],
                    grid[1],
                    top,
                    left,
                    height,
                    width);
            List<AffinityLabels> labels = batch.stream()
                    .map(example -> {
                        LabeledImage image = example.image();
                        int[] onGrid = AffinityLabels.downsample(
                                example.seeds(), image.width(), image.height(), grid[1], grid[0]);
                        return AffinityLabels.of(
                                window(onGrid, grid[1], top, left, height, width),
                                width,
                                height,
                                background,
                                walk.offsets());
                    })
                    .toList();
            double loss;
            try (Autograd.Recording recording = Autograd.record()) {
                NDArray value = PairAffinity.loss(head.embedding(levels), labels, walk.offsets());
                loss = value.getFloat();
                if (!Double.isFinite(loss)) {
                    throw new TrainingDivergedException(
                            "affinity training diverged (loss " + loss + "); lower affinity.learningRate");
                }
                recording.backward(value);
            }
            updates.apply(scope);
            return loss;
        }
    }

    private static int[] window(int[] values, int stride, int top, int left, int height, int width) {
        int[] window = new int[height * width];
        for (int y = 0; y < height; y++) {
            System.arraycopy(values, (top + y) * stride + left, window, y * width, width);
        }
        return window;
    }
}
