package io.seedstream.segmentation.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.seedstream.segmentation.affinity.AffinityWalk;
import io.seedstream.segmentation.config.SeedStreamConfig;
import io.seedstream.segmentation.data.ClassList;
import io.seedstream.segmentation.data.LabeledImage;
import io.seedstream.segmentation.localization.ImageClassMaps;
import io.seedstream.segmentation.metrics.SegmentationMetrics;
import io.seedstream.segmentation.nn.AffinityHead;
import io.seedstream.segmentation.nn.Classifier;
import io.seedstream.segmentation.nn.Segmenter;
import io.seedstream.segmentation.seeds.ConfidentSeeds;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Scores the models on held-out images with masks, per image (so that the serving gate can pair
 * them): the segmenter by its most probable class per pixel, the classifier by the confident seeds
 * of its class maps, as the localization job makes them without the class memory (unseeded pixels
 * count as misses), and the affinity head by the seeds of those maps walked with it.
 */
public final class HeldOutEvaluator {

    private final ClassList classes;
    private final NDManager manager;
    private final ImageClassMaps classMaps;
    private final AffinityWalk walk;
    private final ConfidentSeeds seedRule;

    /** Scores in sub-managers of {@code manager}. */
    public HeldOutEvaluator(SeedStreamConfig config, ClassList classes, NDManager manager) {
        this.classes = classes;
        this.manager = manager;
        this.classMaps = ImageClassMaps.configured(config, 0);
        this.walk = new AffinityWalk(config.affinity());
        this.seedRule = new ConfidentSeeds(config.seeds());
    }

    /**
     * A segmenter's mIoU on masked images, up to {@code batchSize} consecutive images of one size at a
     * time: per pixel, the most probable class.
     */
    public static double segmenterMiou(
            Segmenter segmenter, List<LabeledImage> images, ClassList classes, int batchSize) {
        return SegmentationMetrics.merged(
                        segmenterScores(segmenter, images, classes, batchSize), classes.size(), classes.background())
                .meanIou();
    }

    /** {@link #segmenterMiou}'s counts, one per image. */
    public static List<SegmentationMetrics> segmenterScores(
            Segmenter segmenter, List<LabeledImage> images, ClassList classes, int batchSize) {
        List<SegmentationMetrics> scores = new ArrayList<>();
        for (int from = 0, to; from < images.size(); from = to) {
            LabeledImage first = images.get(from);
            to = from + 1;
            while (to < images.size()
                    && to - from < batchSize
                    && images.get(to).width() == first.width()
                    && images.get(to).height() == first.height()) {
                to++;
            }
            List<LabeledImage> batch = images.subList(from, to);
            try (NDManager scope = segmenter.parameters().manager().newSubManager()) {
                NDArray predicted =
                        segmenter.probabilities(Batches.images(scope, batch)).argMax(1);
                int pixels = batch.get(0).width() * batch.get(0).height();
                int[] labels = predicted.toType(DataType.INT32, false).toIntArray();
                for (int b = 0; b < batch.size(); b++) {
                    SegmentationMetrics metrics = new SegmentationMetrics(classes.size(), classes.background());
                    metrics.add(
                            Arrays.copyOfRange(labels, b * pixels, (b + 1) * pixels),
                            batch.get(b).mask());
                    scores.add(metrics);
                }
            }
        }
        return scores;
    }

    /** The classifier's seeds on each image; with an affinity head, of its maps walked with the head. */
    public List<SegmentationMetrics> classifierScores(
            Classifier classifier, AffinityHead walkedWith, List<LabeledImage> images) {
        List<SegmentationMetrics> scores = new ArrayList<>();
        for (LabeledImage image : images) {
            SegmentationMetrics metrics = new SegmentationMetrics(classes.size(), classes.background());
            int[] index =
                    Arrays.stream(image.labels()).map(classes::classifierIndex).toArray();
            try (NDManager scope = manager.newSubManager()) {
                float[] maps = new float[0];
                if (index.length > 0) {
                    NDArray pixels = Batches.images(scope, List.of(image));
                    NDArray classMap = classMaps.maps(classifier, pixels, index);
                    maps = (walkedWith != null ? walk.walked(walkedWith, classifier, pixels, classMap) : classMap)
                            .toFloatArray();
                }
                metrics.add(
                        seedRule.seeds(
                                maps, image.labels(), classes.background(), image.rgb(), image.width(), image.height()),
                        image.mask());
            }
            scores.add(metrics);
        }
        return scores;
    }
}
