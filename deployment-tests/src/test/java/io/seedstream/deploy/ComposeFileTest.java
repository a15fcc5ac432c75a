package io.seedstream.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.seedstream.cli.SeedStreamCli;
import io.seedstream.flink.ClusterJob;
import io.seedstream.flink.FlinkCluster;
import io.seedstream.server.ServeCommand;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** docker/compose.yaml (and what it runs: the submit script, Prometheus' targets) against docker/Dockerfile and the code. */
class ComposeFileTest {

    private static final ComposeFile COMPOSE = ComposeFile.read(Repository.path("docker/compose.yaml"));
    private static final Dockerfile DOCKERFILE = Dockerfile.parse(Repository.read("docker/Dockerfile"));

    @Test
    void buildsEveryImageOfTheDockerfileUnderItsName() {
        Map<String, String> built = new HashMap<>();
        COMPOSE.services().forEach((name, service) -> {
            if (service.build() != null) {
                assertThat(Repository.path("docker")
                                .resolve(service.build().context())
                                .normalize())
                        .as(name)
                        .isEqualTo(Repository.ROOT);
                assertThat(service.build().dockerfile()).isEqualTo("docker/Dockerfile");
                assertThat(DOCKERFILE.stage(service.build().target()))
                        .as(name + " target")
                        .isPresent();
                assertThat(service.image())
                        .as(name)
                        .isEqualTo(Repository.IMAGES.get(service.build().target()));
                built.put(service.build().target(), service.image());
            }
        });
        assertThat(built).isEqualTo(Repository.IMAGES);
        COMPOSE.services()
                .values()
                .forEach(service -> assertThat(service.image()).isIn(imagesAvailable()));
    }

    @Test
    void kafkaIsTheProjectsVersionOnOneKraftNode() {
        ComposeFile.Service kafka = COMPOSE.services().get("kafka");
        assertThat(kafka.image()).isEqualTo("apache/kafka:" + Repository.KAFKA_VERSION);
        assertThat(kafka.env("KAFKA_PROCESS_ROLES")).contains("controller").contains("broker");
        // one broker: internal topics with one replica, or the jobs' transactions hang (DESIGN.md)
        for (String key : List.of(
                "KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR",
                "KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR",
                "KAFKA_TRANSACTION_STATE_LOG_MIN_ISR")) {
            assertThat(kafka.env(key)).as(key).isEqualTo("1");
        }
        assertThat(kafka.env("KAFKA_ADVERTISED_LISTENERS")).contains("://kafka:9092");
    }

    @Test
    void servicesStartInOrder() {
        COMPOSE.services().forEach((name, service) -> {
            if (service.dependsOn() == null) {
                return;
            }
            service.dependsOn().forEach((dependency, how) -> {
                ComposeFile.Service other = COMPOSE.services().get(dependency);
                assertThat(other).as(name + " depends on " + dependency).isNotNull();
                switch (how.condition()) {
                    case "service_healthy" ->
                        assertThat(other.healthcheck())
                                .as(dependency + " needs a health check")
                                .isNotNull();
                    case "service_completed_successfully" ->
                        assertThat(other.restart())
                                .as(dependency + " runs once")
                                .isEqualTo("no");
                    case "service_started" -> {}
                    default -> throw new AssertionError("unknown condition " + how.condition());
                }
            });
        });
        assertThat(COMPOSE.services().get("submit").dependsOn()).containsKeys("topics", "jobmanager");
        assertThat(COMPOSE.services().get("producer").dependsOn()).containsKey("submit");
    }

    /**
     * A service either runs once or comes back when it exits: Flink stops a task manager on a fatal
     * error (bench faults saw one go when the broker stopped answering), and a broker or server that
     * crashed should not wait for a person.
     */
    @Test
    void everyServiceRunsOnceOrIsStartedAgain() {
        COMPOSE.services()
                .forEach((name, service) ->
                        assertThat(service.restart()).as(name + ": restart").isIn("no", "unless-stopped"));
        assertThat(COMPOSE.services().get("taskmanager").restart()).isEqualTo("unless-stopped");
        assertThat(COMPOSE.services().get("kafka").restart()).isEqualTo("unless-stopped");
        assertThat(COMPOSE.services().get("model-server").restart()).isEqualTo("unless-stopped");
        assertThat(COMPOSE.services().get("submit").restart()).isEqualTo("no");
    }

    @Test
    void commandsAreOnesTheProgramsAccept() {
        String bootstrap = "kafka:9092";
        for (String name : List.of("topics", "producer")) {
            CommandLine.ParseResult parsed = SeedStreamCli.commandLine().parseArgs(args(name));
            assertThat(parsed.subcommand().matchedOptionValue("--kafka", ""))
                    .as(name)
                    .isEqualTo(bootstrap);
        }
        assertThat(SeedStreamCli.commandLine()
                        .parseArgs(args("topics"))
                        .subcommand()
                        .commandSpec()
                        .name())
                .isEqualTo("topics");
        assertThat(SeedStreamCli.commandLine()
                        .parseArgs(args("producer"))
                        .subcommand()
                        .commandSpec()
                        .name())
                .isEqualTo("ingest");

        CommandLine.ParseResult server = new CommandLine(new ServeCommand()).parseArgs(args("model-server"));
        assertThat(server.matchedOptionValue("--kafka", "")).isEqualTo(bootstrap);
        int port = server.matchedOptionValue("--port", -1);
        assertThat(COMPOSE.services().get("model-server").ports()).contains(port + ":" + port);
        assertThat(DOCKERFILE.stage("model-server").orElseThrow().all("EXPOSE")).contains(String.valueOf(port));

        // The submit service runs the script the jobs image carries, with arguments every job accepts.
        List<String> submit = COMPOSE.services().get("submit").arguments();
        assertThat(DOCKERFILE.stage("flink-jobs-base").orElseThrow().all("COPY"))
                .contains("docker/submit-jobs.sh /opt/flink/bin/" + submit.get(0));
        List<String> jobArguments = submit.subList(1, submit.size());
        List<FlinkCluster.Job> jobs = new ArrayList<>();
        for (String job : submittedJobs()) {
            List<String> arguments = new ArrayList<>(List.of(job));
            arguments.addAll(jobArguments);
            CommandLine.ParseResult parsed =
                    new CommandLine(new ClusterJob()).parseArgs(arguments.toArray(String[]::new));
            assertThat(parsed.matchedOptionValue("--kafka", "")).isEqualTo(bootstrap);
            FlinkCluster.Job known = ClusterJob.job(job);
            assertThat("seedstream " + job.replace('-', ' '))
                    .as("the title the script looks for")
                    .isEqualTo(known.title());
            jobs.add(known);
        }
        assertThat(jobs).containsExactlyInAnyOrder(FlinkCluster.Job.values());

        // The producer streams the data set whose classes the jobs were given.
        int classes = jobArguments.indexOf("--classes");
        assertThat(args("producer")).contains("--" + jobArguments.get(classes + 1));
    }

    @Test
    void onlyTheGpuTaskManagerAsksForAGpu() {
        COMPOSE.services().forEach((name, service) -> {
            boolean gpuImage = Repository.IMAGES.get("flink-jobs-gpu").equals(service.image());
            assertThat(service.reservesGpu()).as(name).isEqualTo(gpuImage);
            if (gpuImage) {
                assertThat(service.profiles()).as("GPU hosts only, on request").containsExactly("gpu");
            }
        });
    }

    @Test
    void prometheusScrapesWhatTheServicesExpose() {
        JsonNode prometheus = Repository.yaml(Repository.path("docker/prometheus.yml"));
        String reporterPort = Repository.yaml(Repository.path("docker/flink/config.yaml"))
                .path("metrics.reporter.prom.port")
                .asText();
        int serverPort = new CommandLine(new ServeCommand())
                .parseArgs(args("model-server"))
                .matchedOptionValue("--port", -1);
        for (JsonNode job : prometheus.path("scrape_configs")) {
            for (JsonNode discovery : job.path("dns_sd_configs")) {
                assertThat(discovery.path("port").asText()).isEqualTo(reporterPort);
                discovery
                        .path("names")
                        .forEach(n -> assertThat(COMPOSE.services()).containsKey(n.asText()));
            }
            for (JsonNode targets : job.path("static_configs")) {
                for (JsonNode target : targets.path("targets")) {
                    String[] hostPort = target.asText().split(":");
                    assertThat(COMPOSE.services()).containsKey(hostPort[0]);
                    assertThat(hostPort[0]).isEqualTo("model-server");
                    assertThat(Integer.parseInt(hostPort[1])).isEqualTo(serverPort);
                }
            }
        }
        assertThat(COMPOSE.services().get("prometheus").volumes())
                .contains("./prometheus.yml:/etc/prometheus/prometheus.yml:ro");
    }

    @Test
    void aMisspeltKeyIsCaught(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("compose.yaml");
        Files.writeString(file, "services:\n  kafka:\n    image: apache/kafka:4.2.2\n    dependson: [jobmanager]\n");
        assertThatThrownBy(() -> ComposeFile.read(file)).hasMessageContaining("dependson");
    }

    // ---- helpers ----

    private static String[] args(String service) {
        return COMPOSE.services().get(service).arguments().toArray(String[]::new);
    }

    /** The jobs docker/submit-jobs.sh submits ("for job in a b c; do"). */
    private static List<String> submittedJobs() {
        Matcher m = Pattern.compile("for job in ([a-z -]+); do").matcher(Repository.read("docker/submit-jobs.sh"));
        assertThat(m.find()).isTrue();
        return Arrays.asList(m.group(1).strip().split("\\s+"));
    }

    /** SeedStream's images and the pinned third-party ones. */
    private static List<String> imagesAvailable() {
        List<String> images = new ArrayList<>(Repository.IMAGES.values());
        COMPOSE.services().values().stream()
                .filter(s -> s.build() == null)
                .map(ComposeFile.Service::image)
                .forEach(image -> {
                    assertThat(image).as("pinned").matches("[a-z0-9./-]+:v?\\d+(\\.\\d+)+.*");
                    images.add(image);
                });
        return images;
    }
}
