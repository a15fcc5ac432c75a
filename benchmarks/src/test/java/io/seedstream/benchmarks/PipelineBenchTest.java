package io.seedstream.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PipelineBenchTest {

    @TempDir
    Path dir;

    /** --compare-with reads the curve of an earlier run's JSON, named after its file. */
    @Test
    void anEarlierLearningRunsCurveIsReadFromItsJson() throws Exception {
        Path cold = dir.resolve("learning-cold.json");
        Files.writeString(cold, """
                {"benchmark": "pipeline", "result": {"learning": {"curve": [
                  {"version": 1, "trainingStep": 50, "seconds": 30.5, "imagesSent": 61, "heldOutMiou": 0.12,
                   "trainerEvalMiou": null, "newSamples": 40},
                  {"version": 2, "trainingStep": 100, "seconds": 61.0, "imagesSent": 122, "heldOutMiou": 0.2,
                   "trainerEvalMiou": 0.3, "newSamples": 38}]}}}
                """);
        PipelineBench.Comparison comparison = PipelineBench.Comparison.read(cold);
        assertThat(comparison.name()).isEqualTo("learning-cold");
        assertThat(comparison.curve())
                .extracting(PipelineBenchmark.LearningPoint::imagesSent)
                .containsExactly(61L, 122L);
        assertThat(comparison.curve())
                .extracting(PipelineBenchmark.LearningPoint::heldOutMiou)
                .containsExactly(0.12, 0.2);
    }

    @Test
    void aFileWithoutALearningRunIsRefusedWithItsName() throws Exception {
        Path other = dir.resolve("soak.json");
        Files.writeString(other, "{\"benchmark\": \"soak\", \"soak\": {}}");
        assertThatThrownBy(() -> PipelineBench.Comparison.read(other))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("--compare-with " + other);
        assertThatThrownBy(() -> PipelineBench.Comparison.read(dir.resolve("missing.json")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("missing.json");
    }
}
