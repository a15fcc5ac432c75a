package io.seedstream.flink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.seedstream.segmentation.config.SeedStreamConfig;
import io.seedstream.segmentation.data.ClassList;
import java.util.List;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.graph.StreamNode;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The application entry point: arguments to a job graph, without running it. */
class ClusterJobTest {

    private static List<String> operators(String... args) throws Exception {
        ClusterJob job = new ClusterJob();
        new CommandLine(job).parseArgs(args);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        String name = job.build(env);
        assertThat(name).startsWith("seedstream ");
        return env.getStreamGraph().getStreamNodes().stream()
                .map(StreamNode::getOperatorName)
                .toList();
    }

    @Test
    void eachJobBuildsItsGraphFromTheArguments() throws Exception {
        assertThat(String.join("|", operators("localization", "--kafka", "kafka:9092")))
                .containsIgnoringCase("seeds");
        assertThat(String.join("|", operators("trainer", "--kafka", "kafka:9092", "--topic-prefix", "prod.")))
                .isNotEmpty();
        assertThat(String.join(
                        "|",
                        operators(
                                "active-learning",
                                "--kafka",
                                "kafka:9092",
                                "--classes",
                                "voc",
                                "--set",
                                "active.budget=50")))
                .containsIgnoringCase("label requests");
    }

    @Test
    void acceptsTheHostThatFlinksStandaloneEntryPointAdds() throws Exception {
        assertThat(operators("localization", "--host", "10.1.2.3", "--kafka", "kafka:9092"))
                .isNotEmpty();
    }

    @Test
    void classListsByNameOrSpelledOut() {
        SeedStreamConfig config = SeedStreamConfig.defaults();
        assertThat(ClusterJob.classes("synthetic", config).names()).startsWith("background", "cross");
        assertThat(ClusterJob.classes("CamVid", config).hasBackground()).isFalse();
        ClassList custom = ClusterJob.classes("background, cat, dog", config);
        assertThat(custom.names()).containsExactly("background", "cat", "dog");
        assertThat(custom.hasBackground()).isTrue();
        assertThat(ClusterJob.classes("road,car", config).hasBackground()).isFalse();
        assertThatThrownBy(() -> ClusterJob.classes("cat", config)).hasMessageContaining("at least two");
        assertThatThrownBy(() -> ClusterJob.job("segmenter"))
                .hasMessageContaining("localization, trainer and active-learning");
    }
}
