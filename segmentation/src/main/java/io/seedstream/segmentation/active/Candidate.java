package io.seedstream.segmentation.active;

import java.io.Serializable;

/**
 * An unlabeled image as the selector sees it, without its pixels: how unsure the models are (the
 * weighted sum {@code uncertainty} and its parts), the classes they guess are in it, and its
 * {@link Thumbnail} for spotting near-duplicates.
 */
public record Candidate(
        String imageId,
        double uncertainty,
        double mutualInformation,
        double mapEntropy,
        double segmenterEntropy,
        int[] guessedClasses,
        float[] thumbnail,
        long modelVersion,
        long arrivedAtMs)
        implements Serializable {}
