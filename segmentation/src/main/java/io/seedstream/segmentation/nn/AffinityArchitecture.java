package io.seedstream.segmentation.nn;

import java.util.List;

/**
 * The shape of an affinity head: the classifier feature channels it reads and the width of each
 * of its 1x1 layers, the last being the embedding whose distances give the affinities.
 */
public record AffinityArchitecture(int inputChannels, List<Integer> channels) implements Architecture {

    public AffinityArchitecture {
        channels = List.copyOf(channels);
        if (inputChannels < 1 || channels.isEmpty() || channels.stream().anyMatch(c -> c < 1)) {
            throw new IllegalArgumentException("an affinity head needs input channels and one or more layers, got "
                    + inputChannels + " and " + channels);
        }
    }

    @Override
    public String kind() {
        return ModelName.AFFINITY.id();
    }
}
