package io.seedstream.flink.localization;

import io.seedstream.segmentation.config.SeedStreamConfig;
import io.seedstream.segmentation.seeds.SeedGenerator;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichFlatMapFunction;
import org.apache.flink.util.Collector;

/** Splits a localized image into what it teaches the class memory, one element per class (and the background). */
public final class MemoryFeaturesFunction extends RichFlatMapFunction<LocalizedImage, ClassFeatures> {

    private final SeedStreamConfig config;
    private final int background;
    private transient SeedGenerator generator;

    public MemoryFeaturesFunction(SeedStreamConfig config, int background) {
        this.config = config;
        this.background = background;
    }

    @Override
    public void open(OpenContext context) {
        generator = new SeedGenerator(config, background);
    }

    @Override
    public void flatMap(LocalizedImage localized, Collector<ClassFeatures> out) {
        int[] ids = localized.image().labels();
        if (ids.length == 0) {
            return;
        }
        generator.classFeatures(localized.features(), localized.featureChannels(), localized.maps(), ids)
                .forEach((classId, rows) -> {
                    if (rows.length > 0) {
                        out.collect(new ClassFeatures(classId, localized.image().id(), rows));
                    }
                });
    }
}
