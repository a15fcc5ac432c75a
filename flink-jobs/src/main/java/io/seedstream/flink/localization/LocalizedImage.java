package io.seedstream.flink.localization;

import io.seedstream.segmentation.data.LabeledImage;

/**
 * An image at its working resolution ({@code trainer.shortSide}) with what the models saw in it: the
 * classifier's feature map (k x h x w, channel-major), the class maps of its labeled classes at that
 * resolution, each divided by its maximum (m x H x W, in the order of its labels; see {@code
 * ImageClassMaps}) and, once a segmenter exists, its class probabilities at that resolution (classes x
 * H x W, class-id-major), else null. Seeds go out at the image's own size, {@code width x height}.
 *
 * @param classifierVersion the version of the classifier that computed the maps
 * @param segmenterVersion the segmenter's version, -1 when there was none
 */
public record LocalizedImage(
        LabeledImage image,
        int width,
        int height,
        long classifierVersion,
        long segmenterVersion,
        int featureChannels,
        int featureHeight,
        int featureWidth,
        float[] features,
        float[] maps,
        float[] segmenterProbabilities) {}
