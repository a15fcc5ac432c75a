package io.seedstream.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.seedstream.flink.common.TaskDevice;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** docker/Dockerfile and the Flink configuration it adds, against the versions and code of the build. */
class DockerImagesTest {

    private static final Dockerfile DOCKERFILE = Dockerfile.parse(Repository.read("docker/Dockerfile"));
    private static final String JAVA_RELEASE = "17";

    @Test
    void baseImagesArePinnedToTheBuildsVersions() {
        assertThat(DOCKERFILE.globalArgs())
                .allSatisfy((name, image) -> assertThat(image)
                        .as(name)
                        .matches("[a-z0-9./-]+:\\d+(\\.\\d+)+[\\w.+-]*")
                        .doesNotContain("latest"));
        assertThat(DOCKERFILE.globalArgs().get("FLINK_IMAGE"))
                .isEqualTo("flink:" + Repository.FLINK_VERSION + "-scala_2.12-java" + JAVA_RELEASE);
        assertThat(DOCKERFILE.globalArgs().get("JDK_IMAGE")).startsWith("eclipse-temurin:" + JAVA_RELEASE + ".");
        assertThat(DOCKERFILE.globalArgs().get("JRE_IMAGE")).startsWith("eclipse-temurin:" + JAVA_RELEASE + ".");
        assertThat(DOCKERFILE.baseImage("flink-jobs-cpu"))
                .isEqualTo(DOCKERFILE.globalArgs().get("FLINK_IMAGE"));
        assertThat(DOCKERFILE.baseImage("flink-jobs-gpu")).startsWith("nvidia/cuda:");
    }

    /** Flink's entry point preloads jemalloc, whose oversize arena made each CPU training step 10x slower (see ./seedstream). */
    @Test
    void theJobImagesKeepJemallocFromUnmappingLargeBlocksAtOnce() {
        for (String target : List.of("flink-jobs-cpu", "flink-jobs-gpu")) {
            assertThat(DOCKERFILE.environment(target).get("MALLOC_CONF"))
                    .as(target)
                    .contains("oversize_threshold:0");
        }
    }

    @Test
    void everyImageRunsAsAnUnprivilegedUser() {
        for (String target : Repository.IMAGES.keySet()) {
            assertThat(DOCKERFILE.user(target)).as(target).isPresent().get().isNotIn("root", "0");
        }
    }

    @Test
    void libtorchMatchesTheBuildsPytorchAndAJniLibraryOfItsFlavourShipsWithDjl() {
        Map<String, String> flavours =
                Map.of("flink-jobs-cpu", "cpu", "flink-jobs-gpu", "cu128", "model-server", "cpu", "cli", "cpu");
        flavours.forEach((target, flavour) -> {
            Map<String, String> env = DOCKERFILE.environment(target);
            assertThat(env)
                    .as(target)
                    .containsEntry("PYTORCH_VERSION", Repository.PYTORCH_VERSION)
                    .containsEntry("PYTORCH_FLAVOR", flavour)
                    .containsKeys("PYTORCH_LIBRARY_PATH", "DJL_CACHE_DIR");
            // DJL finds its JNI library for the flavour in the pytorch-jni jar (offline: nothing is downloaded)
            assertThat(getClass().getResource("/jnilib/linux-x86_64/" + flavour + "/libdjl_torch.so"))
                    .as(flavour)
                    .isNotNull();
        });
        String download = DOCKERFILE.stage("flink-jobs-gpu").orElseThrow().all("ARG").stream()
                .filter(a -> a.startsWith("LIBTORCH_URL="))
                .findFirst()
                .orElseThrow();
        assertThat(download).contains("/cu128/").contains("-" + Repository.PYTORCH_VERSION + "%2Bcu128.zip");
        assertThat(DOCKERFILE.environment("model-server").get("JAVA_TOOL_OPTIONS"))
                .contains("-Dai.djl.offline=true");
    }

    @Test
    void theEntryPointsAreProgramsOfTheBuild() throws Exception {
        for (String target : List.of("model-server", "cli")) {
            List<String> entryPoint = List.of(Repository.JSON.readValue(
                    DOCKERFILE.stage(target).orElseThrow().all("ENTRYPOINT").get(0), String[].class));
            assertThat(entryPoint.subList(0, 3)).containsExactly("java", "-cp", "/app/lib/*");
            assertThat(Class.forName(entryPoint.get(3)).getMethod("main", String[].class))
                    .as(target)
                    .isNotNull();
        }
        assertThat(DOCKERFILE.stage("model-server").orElseThrow().all("HEALTHCHECK"))
                .singleElement()
                .asString()
                .contains("/health/live");
    }

    @Test
    void theFlinkConfigurationLoadsDjlOnceAndKeepsStateInRocksDb() {
        JsonNode config = Repository.yaml(Repository.path("docker/flink/config.yaml"));
        assertThat(config.path("classloader.parent-first-patterns.additional").asText())
                .contains("ai.djl.");
        assertThat(config.path("env.java.opts.taskmanager").asText()).contains("-Dai.djl.offline=true");
        assertThat(config.path("state.backend.type").asText()).isEqualTo("rocksdb");
        assertThat(config.path("execution.checkpointing.dir").asText()).startsWith("file:///opt/flink/checkpoints");

        JsonNode gpu = Repository.yaml(Repository.path("docker/flink/gpu.yaml"));
        assertThat(gpu.path("external-resources").asText()).isEqualTo(TaskDevice.GPU_RESOURCE);
        String prefix = "external-resource." + TaskDevice.GPU_RESOURCE + ".";
        assertThat(gpu.path(prefix + "driver-factory.class").asText())
                .isEqualTo("org.apache.flink.externalresource.gpu.GPUDriverFactory");
        assertThat(gpu.path(prefix + "param.discovery-script.path").asText())
                .startsWith("plugins/external-resource-gpu/");
        assertThat(gpu.path(prefix + "amount").asInt()).isPositive();
        // appended in the GPU image only
        assertThat(DOCKERFILE.stage("flink-jobs-gpu").orElseThrow().all("COPY"))
                .anyMatch(c -> c.contains("docker/flink/gpu.yaml"));
        assertThat(DOCKERFILE.chain("flink-jobs-cpu"))
                .noneMatch(s -> s.all("COPY").stream().anyMatch(c -> c.contains("gpu.yaml")));
    }
}
