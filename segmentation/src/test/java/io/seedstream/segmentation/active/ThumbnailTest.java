package io.seedstream.segmentation.active;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.seedstream.segmentation.config.SeedStreamConfig;
import io.seedstream.segmentation.data.LabeledImage;
import io.seedstream.segmentation.data.SyntheticDataset;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class ThumbnailTest {

    @Test
    void aBrighterCopyIsANearDuplicateAnotherSceneIsNot() {
        SyntheticDataset data = new SyntheticDataset(SeedStreamConfig.defaults().synthetic());
        LabeledImage image = data.image(0);
        byte[] brighter = image.rgb().clone();
        for (int i = 0; i < brighter.length; i++) {
            brighter[i] = (byte) Math.min(255, (brighter[i] & 0xFF) + 20);
        }
        LabeledImage copy = new LabeledImage("copy", image.width(), image.height(), brighter, null, image.labels());
        double threshold = SeedStreamConfig.defaults().active().duplicateSimilarity();
        assertThat(Thumbnail.similarity(Thumbnail.of(image), Thumbnail.of(image)))
                .isCloseTo(1, within(1e-5));
        assertThat(Thumbnail.similarity(Thumbnail.of(image), Thumbnail.of(copy)))
                .isGreaterThan(threshold);
        for (int other = 1; other <= 20; other++) {
            assertThat(Thumbnail.similarity(Thumbnail.of(image), Thumbnail.of(data.image(other))))
                    .isLessThan(threshold);
        }
    }

    @Test
    void aUniformImageIsSimilarToNothing() {
        byte[] grey = new byte[4 * 4 * 3];
        Arrays.fill(grey, (byte) 128);
        float[] thumbnail = Thumbnail.of(new LabeledImage("grey", 4, 4, grey, null, new int[0]));
        assertThat(thumbnail).containsOnly(0f);
    }
}
