package io.seedstream.segmentation.active;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.seedstream.segmentation.config.SeedStreamConfig;
import io.seedstream.segmentation.data.ClassList;
import io.seedstream.segmentation.data.LabeledImage;
import io.seedstream.segmentation.localization.CenterPreservingDropout;
import io.seedstream.segmentation.localization.StochasticLocalizer;
import io.seedstream.segmentation.nn.Classifier;
import io.seedstream.segmentation.nn.Ops;
import io.seedstream.segmentation.nn.Segmenter;
import io.seedstream.segmentation.train.Batches;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;

/**
 * Scores unlabeled images with the newest models: BALD over FickleNet's stochastic class scores
 * (one dropout mask per pass on the image's features, as in training), the entropy of the
 * aggregated localization map (dropout's expectation, weighted by the mean presence), and the
 * segmenter's mean pixel entropy. Classes whose mean presence exceeds 1/2 are the guess (the most
 * likely class when none does).
 */
public final class ImageScorer {

    private final SeedStreamConfig config;
    private final ClassList classes;
    private final StochasticLocalizer localizer;

    public ImageScorer(SeedStreamConfig config, ClassList classes) {
        this.config = config;
        this.classes = classes;
        this.localizer = new StochasticLocalizer(config.ficklenet());
    }

    /**
     * @param images of one size
     * @param segmenter may be null before the first segmenter is published: its entropy is then NaN,
     *     "not scored", and counts 0 in the uncertainty
     */
    public List<Candidate> score(
            Classifier classifier,
            Segmenter segmenter,
            List<LabeledImage> images,
            long modelVersion,
            long arrivedAtMs) {
        double[] segmenterEntropy;
        if (segmenter != null) {
            segmenterEntropy = segmenterEntropies(segmenter, images);
        } else {
            segmenterEntropy = new double[images.size()];
            Arrays.fill(segmenterEntropy, Double.NaN);
        }
        SeedStreamConfig.Active active = config.active();
        List<Candidate> scored = new ArrayList<>(images.size());
        try (NDManager scope = classifier.parameters().manager().newSubManager()) {
            NDArray features = classifier.features(Batches.images(scope, images), false);
            NDArray maps = Ops.relu(classifier.classMaps(features));
            int h = (int) features.getShape().get(2);
            int w = (int) features.getShape().get(3);
            int s = classifier.architecture().windowSize();
            for (int b = 0; b < images.size(); b++) {
                NDArray masks = CenterPreservingDropout.sample(
                        scope,
                        config.ficklenet().passes(),
                        h,
                        w,
                        s,
                        config.ficklenet().dropRate());
                float[] probabilities = localizer
                        .stochasticLogits(classifier, features.get("{}:{}", b, b + 1), masks)
                        .getNDArrayInternal()
                        .sigmoid()
                        .toFloatArray();
                float[][] samples = new float[config.ficklenet().passes()][];
                int foreground = probabilities.length / samples.length;
                float[] presence = new float[foreground];
                for (int n = 0; n < samples.length; n++) {
                    samples[n] = Arrays.copyOfRange(probabilities, n * foreground, (n + 1) * foreground);
                    for (int c = 0; c < foreground; c++) {
                        presence[c] += samples[n][c] / samples.length;
                    }
                }
                double mutualInformation = Uncertainty.mutualInformation(samples);
                double mapEntropy = Uncertainty.mapEntropy(maps.get(b).toFloatArray(), presence);
                double[] parts = Uncertainty.weightedParts(active, mutualInformation, mapEntropy, segmenterEntropy[b]);
                double uncertainty = parts[0] + parts[1] + parts[2];
                LabeledImage image = images.get(b);
                scored.add(new Candidate(
                        image.id(),
                        uncertainty,
                        mutualInformation,
                        mapEntropy,
                        segmenterEntropy[b],
                        guess(presence),
                        Thumbnail.of(image),
                        modelVersion,
                        arrivedAtMs));
            }
        }
        return scored;
    }

    private double[] segmenterEntropies(Segmenter segmenter, List<LabeledImage> images) {
        try (NDManager scope = segmenter.parameters().manager().newSubManager()) {
            float[] all = segmenter.probabilities(Batches.images(scope, images)).toFloatArray();
            int perImage = all.length / images.size();
            double[] entropies = new double[images.size()];
            for (int b = 0; b < images.size(); b++) {
                entropies[b] = Uncertainty.meanPixelEntropy(
                        Arrays.copyOfRange(all, b * perImage, (b + 1) * perImage), segmenter.numClasses());
            }
            return entropies;
        }
    }

    /** Class ids whose presence exceeds 1/2, or the single most likely one. */
    int[] guess(float[] presence) {
        int offset = classes.hasBackground() ? 1 : 0;
        int[] present = IntStream.range(0, presence.length)
                .filter(c -> presence[c] > 0.5f)
                .map(c -> c + offset)
                .toArray();
        if (present.length > 0) {
            return present;
        }
        int best = 0;
        for (int c = 1; c < presence.length; c++) {
            best = presence[c] > presence[best] ? c : best;
        }
        return new int[] {best + offset};
    }
}
