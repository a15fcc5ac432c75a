package io.seedstream.segmentation.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
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
        assertThat(c.gain().alpha()).isEqualTo(0.2); // classification : mining = 5 : 1
        assertThat(c.gain().learningRate()).isEqualTo(1e-4);
        assertThat(c.boundary().iterations()).isEqualTo(10);
        assertThat(c.boundary().bilateralCompat()).isEqualTo(10.0);
        assertThat(c.boundary().bilateralSxy()).isEqualTo(80 / 12.0);
        assertThat(c.memory().initialMomentum()).isEqualTo(0.9);
        assertThat(c.memory().power()).isEqualTo(0.9);
        assertThat(c.memory().backgroundPrototypes()).isEqualTo(4);
        assertThat(c.cam().scales()).containsExactly(1.0, 0.5, 1.5, 2.0);
        assertThat(c.cam().flip()).isTrue();
        assertThat(c.affinity().radius()).isEqualTo(5);
        assertThat(c.affinity().beta()).isEqualTo(10.0);
        assertThat(c.affinity().logSteps()).isEqualTo(8);
        assertThat(c.seeds().iterations()).isEqualTo(10);
        assertThat(c.seeds().labelConfidence()).isEqualTo(0.7);
        assertThat(c.seeds().bilateralSxy()).isEqualTo(50.0);
        assertThat(c.seeds().bilateralSrgb()).isEqualTo(13.0);
        assertThat(c.seeds().bilateralCompat()).isEqualTo(10.0);
        assertThat(c.recam().fineTuneScale()).isEqualTo(0.1);
        assertThat(c.dsrg().foregroundGrowThreshold()).isEqualTo(0.85);
        assertThat(c.dsrg().backgroundGrowThreshold()).isEqualTo(0.99);
        assertThat(c.segmenter().fullLabelWeight()).isEqualTo(2.0);
    }

    @Test
    void overridesChangeOnlyWhatTheyName() {
        SeedStreamConfig c = SeedStreamConfig.defaults()
                .with("ficklenet.windowSize", 7)
                .with(Map.of("backbone.channels", "8,16", "backbone.strides", "2,2", "backbone.dilations", "1,1"));
        assertThat(c.ficklenet().windowSize()).isEqualTo(7);
        assertThat(c.ficklenet().passes()).isEqualTo(200);
        assertThat(c.backbone().channels()).isEqualTo(List.of(8, 16));
    }

    @Test
    void unknownKeysAndImpossibleValuesAreRejectedWithTheReason() {
        assertThatThrownBy(() -> SeedStreamConfig.defaults().with("ficklenet.windowsize", 5))
                .hasMessageContaining("unknown configuration key: ficklenet.windowsize");
        assertThatThrownBy(() -> SeedStreamConfig.defaults().with("training.batchSize", 8))
                .as("a renamed group names its new key")
                .hasMessage("configuration key training.batchSize is now classifier.batchSize");
        assertThatThrownBy(() -> SeedStreamConfig.defaults().with("ficklenet.windowSize", 4))
                .hasMessageContaining("odd");
        assertThatThrownBy(() -> SeedStreamConfig.defaults().with("ficklenet.dropRate", 1))
                .hasMessageContaining("dropRate");
        assertThatThrownBy(() -> SeedStreamConfig.defaults().with("ficklenet.mapWeights", "spatial"))
                .hasMessage("invalid configuration: ficklenet.mapWeights must be one of channel, pixel, was spatial");
        assertThatThrownBy(() -> SeedStreamConfig.defaults().with("gain.alpha", "lots"))
                .hasMessage("gain.alpha: not double: lots");
        assertThatThrownBy(() -> SeedStreamConfig.defaults().with("cam.flip", "yes"))
                .hasMessage("cam.flip: not true or false: yes");
        assertThatThrownBy(() -> SeedStreamConfig.defaults().with("backbone.channels", "8,16"))
                .hasMessageContaining("backbone.channels, strides and dilations must have the same length");
        assertThatThrownBy(() -> SeedStreamConfig.defaults().with("memory.minMomentum", 0.95))
                .hasMessageContaining("minMomentum");
        assertThatThrownBy(() -> SeedStreamConfig.defaults().with("dsrg.backgroundGrowThreshold", 1))
                .hasMessage("invalid configuration: dsrg.backgroundGrowThreshold must be in (0, 1), was 1.0");
        assertThatThrownBy(() -> SeedStreamConfig.defaults().with("segmenter.asppDilations", ""))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SeedStreamConfig.defaults().with("seeds.backgroundThreshold", 0.5))
                .hasMessageContaining("backgroundThreshold");
        assertThatThrownBy(() -> SeedStreamConfig.defaults().with("affinity.radius", 1))
                .hasMessage("invalid configuration: affinity.radius must be >= 2, was 1");
        assertThatThrownBy(() -> SeedStreamConfig.defaults().with("cam.scales", "1,0"))
                .hasMessage(
                        "invalid configuration: cam.scales must have at least 1 element, each element > 0, was [1.0, 0.0]");
        assertThatThrownBy(() -> SeedStreamConfig.defaults().with("device", "tpu"))
                .hasMessageContaining("device must match cpu|auto|gpu");
        assertThatThrownBy(() -> SeedStreamConfig.defaults().with("active.batchSize", 64))
                .hasMessage("invalid configuration: active.batchSize must not exceed active.windowSize");
        assertThatThrownBy(() -> SeedStreamConfig.defaults().with("classifier.rescaleRange", "1.2,0.8"))
                .hasMessageContaining("rescaleRange");
    }

    @Test
    void theReplacedPassesKeysNameWhatToSetInstead() {
        assertThatThrownBy(() -> SeedStreamConfig.defaults().with("stream.localizationPasses", 50))
                .hasMessageContaining("is replaced by stream.stochasticMaps");
        assertThatThrownBy(() -> SeedStreamConfig.defaults().with("active.stochasticPasses", 20))
                .hasMessageContaining("is replaced by ficklenet.passes");
        SeedStreamConfig stochastic =
                SeedStreamConfig.defaults().with(Map.of("stream.stochasticMaps", "true", "ficklenet.passes", "50"));
        assertThat(stochastic.localizationPasses()).isEqualTo(50);
        assertThat(SeedStreamConfig.defaults().localizationPasses())
                .as("FickleNet's expectation")
                .isZero();
    }

    @Test
    void partialFilesKeepTheDefaults(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("c.json");
        Files.writeString(file, "{\"ficklenet\": {\"passes\": 50}, \"device\": \"gpu:1\"}");
        SeedStreamConfig c = SeedStreamConfig.load(file);
        assertThat(c.ficklenet().passes()).isEqualTo(50);
        assertThat(c.ficklenet().dropRate()).isEqualTo(0.9);
        assertThat(c.device()).isEqualTo("gpu:1");
        Files.writeString(file, "{\"server\": {\"tokenFile\": null}}");
        assertThatThrownBy(() -> SeedStreamConfig.load(file))
                .hasMessage("invalid configuration: server.tokenFile must be set (was null)");
        Files.writeString(file, "{\"ficklenet\": {\"pases\": 50}}");
        assertThatThrownBy(() -> SeedStreamConfig.load(file)).hasMessageContaining("ficklenet.pases");
        Files.writeString(file, "{\"training\": {\"batchSize\": 8}}");
        assertThatThrownBy(() -> SeedStreamConfig.load(file))
                .as("a file written for the group's old name")
                .hasMessage("configuration key training is now classifier");
    }
}
