package io.seedstream.flink;

import static org.assertj.core.api.Assertions.assertThat;

import io.seedstream.records.ModelSnapshotRecord;
import io.seedstream.segmentation.config.SeedStreamConfig;
import java.time.Duration;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;

/**
 * What the whole-pipeline tests share: models small enough to train in the seconds a test has, a
 * wait for the pipeline's output, and the check that each model's versions go on once each across
 * whatever the test did to the jobs.
 */
public final class SmallPipeline {

    private SmallPipeline() {}

    /** 32 px synthetic images of two classes, narrow networks, a publication every 15 steps; {@code more} on top. */
    public static SeedStreamConfig config(Map<String, String> more) {
        Map<String, String> settings = new HashMap<>(Map.of(
                "synthetic.imageSize", "32",
                "synthetic.numClasses", "2",
                "synthetic.maxObjects", "2",
                "backbone.channels", "8,8,16,16,16,16",
                "segmenter.channels", "8,8,16,16,16,16",
                "trainer.shortSide", "32",
                "trainer.cropSize", "32",
                "trainer.publishEverySteps", "15"));
        settings.putAll(more);
        return SeedStreamConfig.defaults().with(settings);
    }

    /** Waits up to four minutes for {@code condition}, checking twice a second, else fails naming {@code what}. */
    public static void waitFor(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofMinutes(4).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("gave up waiting for " + what);
            }
            Thread.sleep(500);
        }
    }

    /** Each model's committed versions are 1, 2, 3, ... once each, with training steps growing. */
    public static void assertVersionsGoOn(List<ModelSnapshotRecord> models) {
        Map<String, List<ModelSnapshotRecord>> byName =
                models.stream().collect(Collectors.groupingBy(m -> m.getName().toString()));
        for (Map.Entry<String, List<ModelSnapshotRecord>> name : byName.entrySet()) {
            List<ModelSnapshotRecord> versions = name.getValue().stream()
                    .sorted(Comparator.comparingLong(ModelSnapshotRecord::getVersion))
                    .toList();
            for (int i = 0; i < versions.size(); i++) {
                assertThat(versions.get(i).getVersion())
                        .as(name.getKey() + ": one record per version, none lost or repeated")
                        .isEqualTo(i + 1);
                if (i > 0) {
                    assertThat(versions.get(i).getTrainingStep())
                            .as(name.getKey() + ": training steps go on")
                            .isGreaterThan(versions.get(i - 1).getTrainingStep());
                }
            }
        }
    }
}
