package io.seedstream.flink.localization;

import io.seedstream.segmentation.data.LabeledImage;

/**
 * An image with what the classifier saw in it: the feature map (k x h x w, channel-major) and the
 * non-negative localization maps of its labeled classes (m x h x w, in the order of its labels).
 *
 * @param classifierVersion the version of the classifier that computed them
 */
public record LocalizedImage(LabeledImage image, long classifierVersion, int featureChannels, int featureHeight,
        int featureWidth, float[] features, float[] maps) {}
