package io.seedstream.segmentation.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SeedStreamConfigTest {

    @Test
    void defaultsAreThePapersSettings() {
        SeedStreamConfig c = SeedStreamConfig.defaults();
        assertThat(c.ficklenet().dropRate()).isEqualTo(0.9);
        assertThat(c.ficklenet().passes()).isEqualTo(200);
        assertThat(c.ficklenet().threshold()).isEqualTo(0.35);
        assertThat(c.recam().lambda()).isEqualTo(1.0);
        assertThat(c.gain().sigma()).isEqualTo(0.5);
        assertThat(c.gain().omega()).isEqualTo(10.0);
        assertThat(c.gain().alpha()).isEqualTo(1.0);
        assertThat(c.memory().initialMomentum()).isEqualTo(0.9);
        assertThat(c.memory().power()).isEqualTo(0.9);
        assertThat(c.dsrg().foregroundFraction()).isEqualTo(0.2);
        assertThat(c.dsrg().foregroundGrowThreshold()).isEqualTo(0.85);
        assertThat(c.dsrg().backgroundGrowThreshold()).isEqualTo(0.99);
        assertThat(c.segmenter().fullLabelWeight()).isEqualTo(2.0);
    }

    @Test
    void overridesChangeOnlyWhatTheyName() {
        SeedStreamConfig c = SeedStreamConfig.defaults().with("ficklenet.windowSize", 7)
                .with(java.util.Map.of("backbone.channels", "8,16", "backbone.strides", "2,2", "backbone.dilations", "1,1"));
        assertThat(c.ficklenet().windowSize()).isEqualTo(7);
        assertThat(c.ficklenet().passes()).isEqualTo(200);
        assertThat(c.backbone().channels()).isEqualTo(List.of(8, 16));
    }

    @Test
    void unknownKeysAndImpossibleValuesAreRejectedWithTheReason() {
        assertThatThrownBy(() -> SeedStreamConfig.defaults().with("ficklenet.windowsize", 5))
                .hasMessageContaining("unknown configuration key: ficklenet.windowsize");
        assertThatThrownBy(() -> SeedStreamConfig.defaults().with("ficklenet.windowSize", 4)).hasMessageContaining("odd");
        assertThatThrownBy(() -> SeedStreamConfig.defaults().with("ficklenet.dropRate", 1)).hasMessageContaining("dropRate");
        assertThatThrownBy(() -> SeedStreamConfig.defaults().with("ficklenet.mapWeights", "spatial"))
                .hasMessageContaining("channel or pixel");
        assertThatThrownBy(() -> SeedStreamConfig.defaults().with("gain.alpha", "lots")).hasMessageContaining("not a number");
        assertThatThrownBy(() -> SeedStreamConfig.defaults().with("backbone.channels", "8,16"))
                .hasMessageContaining("same, non-zero length");
        assertThatThrownBy(() -> SeedStreamConfig.defaults().with("memory.minMomentum", 0.95)).hasMessageContaining("minMomentum");
        assertThatThrownBy(() -> SeedStreamConfig.defaults().with("dsrg.backgroundGrowThreshold", 1)).hasMessageContaining("grow thresholds");
        assertThatThrownBy(() -> SeedStreamConfig.defaults().with("segmenter.asppDilations", "")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void partialFilesKeepTheDefaults(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("c.json");
        Files.writeString(file, "{\"ficklenet\": {\"passes\": 50}, \"device\": \"gpu:1\"}");
        SeedStreamConfig c = SeedStreamConfig.load(file);
        assertThat(c.ficklenet().passes()).isEqualTo(50);
        assertThat(c.ficklenet().dropRate()).isEqualTo(0.9);
        assertThat(c.device()).isEqualTo("gpu:1");
        Files.writeString(file, "{\"ficklenet\": {\"pases\": 50}}");
        assertThatThrownBy(() -> SeedStreamConfig.load(file)).hasMessageContaining("ficklenet.pases");
    }
}
