package io.seedstream.flink.localization;

import io.seedstream.segmentation.affinity.AffinityLabels;
import io.seedstream.segmentation.config.SeedStreamConfig;
import io.seedstream.segmentation.data.LabeledImage;
import io.seedstream.segmentation.memory.MemoryContext;
import io.seedstream.segmentation.seeds.ConfidentSeeds;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichFlatMapFunction;
import org.apache.flink.util.Collector;

/**
 * Splits a localized image into what it teaches the class memory, one element per class (and the
 * background): the features of the pixels its confident seeds (without the CRF) give each.
 */
public final class MemoryFeaturesFunction extends RichFlatMapFunction<LocalizedImage, ClassFeatures> {

    private final SeedStreamConfig config;
    private final int background;
    private transient ConfidentSeeds seedRule;

    public MemoryFeaturesFunction(SeedStreamConfig config, int background) {
        this.config = config;
        this.background = background;
    }

    @Override
    public void open(OpenContext context) {
        seedRule = new ConfidentSeeds(
                ConfidentSeeds.withoutCrf(config.seeds())); // the memory learns from every image: no CRF
    }

    @Override
    public void flatMap(LocalizedImage localized, Collector<ClassFeatures> out) {
        int[] ids = localized.image().labels();
        if (ids.length == 0) {
            return;
        }
        LabeledImage image = localized.image();
        int[] seeds = seedRule.seeds(localized.maps(), ids, background, image.rgb(), image.width(), image.height());
        int[] reduced = AffinityLabels.downsample(
                seeds, image.width(), image.height(), localized.featureWidth(), localized.featureHeight());
        MemoryContext.classFeatures(localized.features(), localized.featureChannels(), reduced, ids, background)
                .forEach((classId, rows) -> {
                    if (rows.length > 0) {
                        out.collect(new ClassFeatures(classId, localized.image().id(), rows));
                    }
                });
    }
}
