package io.seedstream.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import io.seedstream.segmentation.config.SeedStreamConfig;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The whole ablation end to end on a tiny configuration: every row trained, scored and reported. */
class SegmentationBenchmarkTest {

    @Test
    void runsEveryRowAndGrowingOnlyAddsLabels() throws Exception {
        SeedStreamConfig config = SeedStreamConfig.defaults()
                .with("synthetic.imageSize", 32)
                .with("affinity.epochs", 1)
                .with("backbone.channels", "8,8,16,16,16,16")
                .with("segmenter.channels", "8,8,16,16,16,16")
                .with("segmenter.epochs", 2)
                .with("classifier.batchSize", 8)
                .with("segmenter.batchSize", 8);
        SegmentationBenchmark.Options options = new SegmentationBenchmark.Options(10, 5, 20, 8, 8, 0.1, true, 4, null);
        Progress quiet = new Progress(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        SegmentationBenchmark.Data data = SegmentationBenchmark.synthetic(config, options, quiet);
        SegmentationBenchmark.Result result =
                new SegmentationBenchmark(config, data, options, quiet).run(SegmentationBenchmark.rows(0.1));

        assertThat(result.segmenters())
                .containsOnlyKeys("a-seed-loss", "b-balanced", "c-growing", "d-boundary", "e-semi", "f-full");
        assertThat(result.seeds())
                .containsOnlyKeys(
                        "cam-stride8",
                        "cam-stride4",
                        "multi-scale-flip",
                        "ficklenet",
                        "recam",
                        "class-memory",
                        "confident-seeds",
                        "crf-seeds",
                        "crf-labels",
                        "affinity-walk",
                        "walk-seeds");
        assertThat(result.bestPseudoLabelRow()).isIn("crf-seeds", "crf-labels", "affinity-walk", "walk-seeds");
        // dense rows label every pixel; the confident seeds leave their ignore band unlabeled
        assertThat(result.seeds().get("multi-scale-flip").labeledShare()).isEqualTo(1.0);
        assertThat(result.seeds().get("confident-seeds").labeledShare()).isLessThan(1.0);
        assertThat(result.backgroundScores()).containsKeys("cam-stride4", "affinity-walk");
        assertThat(result.seedRow()).isIn("crf-seeds", "walk-seeds"); // the sparse seeds DSRG's rows grow
        double seeded = result.seeds().get(result.seedRow()).labeledShare();
        result.segmenters().forEach((name, row) -> {
            assertThat(row.heldOut().miou()).as(name).isBetween(0.0, 1.0);
            boolean grows = name.startsWith("c") || name.startsWith("d") || name.startsWith("e");
            assertThat(row.pseudoLabelsByEpoch()).as(name).hasSize(grows ? 2 : 0);
            // region growing keeps every seed: the labeled share can only rise
            row.pseudoLabelsByEpoch()
                    .forEach(grown -> assertThat(grown.labeledShare()).isGreaterThanOrEqualTo(seeded));
        });
        ByteArrayOutputStream table = new ByteArrayOutputStream();
        SegmentationReport.printTable(result, new PrintStream(table, true, StandardCharsets.UTF_8));
        assertThat(table.toString(StandardCharsets.UTF_8))
                .contains(
                        "(f) full masks (upper bound)",
                        "affinity-walk (bg ",
                        "Segmenters trained on: " + result.bestPseudoLabelRow());
        var json = SegmentationReport.toJson(result, config, options, 1.0);
        assertThat(json.get("weak_share_of_full_miou")).isNotNull();
        assertThat(json.get("best_pseudo_label_row").getAsString()).isEqualTo(result.bestPseudoLabelRow());
        assertThat(json.get("seed_row").getAsString()).isEqualTo(result.seedRow());
        assertThat(json.getAsJsonObject("seeds").getAsJsonObject("crf-seeds").get("miou"))
                .isNotNull();
    }
}
