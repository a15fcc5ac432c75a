package io.seedstream.segmentation.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Reads the real CamVid photos when the team's shared folder is beside the checkout; skipped otherwise. */
class CamVidDataTest {

    private static final Path CAMVID = Path.of("../../shared/datasets/camvid");

    @Test
    void readsEveryValidationImageWithItsMaskAndAreaRuleLabels() throws IOException {
        assumeTrue(Files.isDirectory(CAMVID.resolve("val")), "../shared/datasets/camvid is not present");
        DatasetLoad load = MaskedDatasetReader.camVid(CAMVID, "val");
        assertThat(load.problems()).isEmpty();
        assertThat(load.images()).hasSize(101);
        LabeledImage first = load.images().get(0);
        assertThat(first.width()).isEqualTo(480);
        assertThat(first.height()).isEqualTo(360);
        // Street scenes: road and sky nearly always cover at least 1% of the labeled pixels.
        long withRoad =
                load.images().stream().filter(image -> image.hasLabel(3)).count();
        assertThat(withRoad).isGreaterThan(90);
        assertThat(load.images()).allSatisfy(image -> assertThat(image.labels()).isNotEmpty());
    }
}
