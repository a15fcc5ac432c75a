package io.seedstream.flink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FlinkClusterTest {

    @Test
    void aRemoteClusterIsAddressedByItsRestEndpoint(@TempDir Path dir) throws Exception {
        Path jar = Files.createFile(dir.resolve("jobs.jar"));
        try (FlinkCluster cluster = FlinkCluster.remote("flink-jobmanager.example:8081", jar)) {
            assertThat(cluster.dashboardUrl()).isEqualTo("http://flink-jobmanager.example:8081");
        }
    }

    @Test
    void aBadAddressOrAMissingJarIsRefusedBeforeAnythingStarts(@TempDir Path dir) throws Exception {
        Path jar = Files.createFile(dir.resolve("jobs.jar"));
        assertThatThrownBy(() -> FlinkCluster.remote("jobmanager", jar)).hasMessageContaining("is not HOST:PORT");
        assertThatThrownBy(() -> FlinkCluster.remote("jobmanager:", jar)).hasMessageContaining("is not HOST:PORT");
        assertThatThrownBy(() -> FlinkCluster.remote("jobmanager:rest", jar))
                .hasMessageContaining("port is not a number");
        assertThatThrownBy(() -> FlinkCluster.remote("jobmanager:8081", dir.resolve("missing.jar")))
                .hasMessageContaining("does not exist");
    }
}
