package io.seedstream.segmentation.nn;

import io.seedstream.segmentation.config.SeedStreamConfig;
import java.util.List;

/**
 * Everything that fixes a classifier's parameter shapes; stored in every snapshot so that weights
 * are only ever loaded into the network they were trained for.
 *
 * @param head GAP + FC (plain CAM) or the FickleNet s x s head; every classifier also carries the
 *     small second (ReCAM) head, trained only when the ReCAM loss is on
 */
public record ClassifierArchitecture(
        Head head,
        int numClasses,
        List<Integer> channels,
        List<Integer> strides,
        List<Integer> dilations,
        int windowSize)
        implements Architecture {

    /** The classification head on top of the backbone. */
    public enum Head {
        /** Global average pooling, then a linear layer: CAM's network. */
        GAP,
        /** FickleNet: expansion, center-preserving dropout, s x s conv with stride s, pooling. */
        FICKLENET
    }

    public ClassifierArchitecture {
        channels = List.copyOf(channels);
        strides = List.copyOf(strides);
        dilations = List.copyOf(dilations);
        if (head == Head.GAP) {
            windowSize = 1;
        }
    }

    /** The channels of {@link Classifier#affinityInput}: the image's three and every backbone level's. */
    public int affinityInputChannels() {
        return 3 + channels().stream().mapToInt(Integer::intValue).sum();
    }

    public static ClassifierArchitecture of(SeedStreamConfig config, Head head, int numClasses) {
        SeedStreamConfig.Backbone b = config.backbone();
        return new ClassifierArchitecture(
                head,
                numClasses,
                b.channels(),
                b.strides(),
                b.dilations(),
                config.ficklenet().windowSize());
    }

    @Override
    public String kind() {
        return ModelName.CLASSIFIER.id();
    }

    public int featureChannels() {
        return channels.get(channels.size() - 1);
    }
}
