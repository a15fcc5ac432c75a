package io.seedstream.segmentation.nn;

import io.seedstream.segmentation.config.SeedStreamConfig;
import java.util.List;

/** Everything that fixes a segmenter's parameter shapes. */
public record SegmenterArchitecture(
        int numClasses,
        List<Integer> channels,
        List<Integer> strides,
        List<Integer> dilations,
        List<Integer> asppDilations)
        implements Architecture {

    public SegmenterArchitecture {
        channels = List.copyOf(channels);
        strides = List.copyOf(strides);
        dilations = List.copyOf(dilations);
        asppDilations = List.copyOf(asppDilations);
    }

    /** @param numClasses every class id the masks use, background included */
    public static SegmenterArchitecture of(SeedStreamConfig.Segmenter config, int numClasses) {
        return new SegmenterArchitecture(
                numClasses, config.channels(), config.strides(), config.dilations(), config.asppDilations());
    }

    @Override
    public String kind() {
        return ModelName.SEGMENTER.id();
    }
}
