package io.seedstream.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.seedstream.flink.ClusterJob;
import io.seedstream.flink.FlinkCluster;
import io.seedstream.flink.common.KafkaWiring;
import io.seedstream.flink.common.TaskDevice;
import io.seedstream.records.Topics;
import io.seedstream.records.kafka.TopicSetup;
import io.seedstream.segmentation.config.SeedStreamConfig;
import io.seedstream.server.AccessToken;
import io.seedstream.server.ServeCommand;
import io.strimzi.api.kafka.model.kafka.Kafka;
import io.strimzi.api.kafka.model.kafka.listener.GenericKafkaListener;
import io.strimzi.api.kafka.model.nodepool.KafkaNodePool;
import io.strimzi.api.kafka.model.nodepool.ProcessRoles;
import io.strimzi.api.kafka.model.topic.KafkaTopic;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.flink.kubernetes.operator.api.FlinkDeployment;
import org.apache.flink.kubernetes.operator.api.spec.UpgradeMode;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * k8s/: the base (GPU task managers for localization and training) and the CPU-only overlay, parsed
 * into the model classes and checked against docker/ and the code.
 */
class KubernetesManifestsTest {

    private static final Manifests BASE = new Manifests(Repository.path("k8s/base"));
    private static final Manifests CPU_ONLY = new Manifests(Repository.path("k8s/overlays/cpu-only"));
    private static final Dockerfile DOCKERFILE = Dockerfile.parse(Repository.read("docker/Dockerfile"));
    private static final Set<String> GPU_JOBS = Set.of("seedstream-localization", "seedstream-trainer");
    private static final String GPU_KEY = "nvidia.com/gpu";

    @Test
    void everyManifestFileIsInTheKustomization() throws IOException {
        Set<String> listed = new HashSet<>();
        JsonNode kustomization = Repository.yaml(Repository.path("k8s/base/kustomization.yaml"));
        kustomization.path("resources").forEach(r -> listed.add(r.asText()));
        kustomization.path("configurations").forEach(c -> listed.add(c.asText()));
        try (Stream<Path> files = Files.list(Repository.path("k8s/base"))) {
            assertThat(files.map(f -> f.getFileName().toString()).filter(f -> !f.equals("kustomization.yaml")))
                    .containsExactlyInAnyOrderElementsOf(listed);
        }
    }

    /** The tests' rendering of the kustomizations is kubectl's (where kubectl is installed, as on these machines). */
    @Test
    void renderedAsKubectlRendersThem() throws Exception {
        Assumptions.assumeTrue(onPath("kubectl"), "kubectl is not installed");
        for (String dir : List.of("k8s/base", "k8s/overlays/cpu-only")) {
            Path rendered = Files.createTempFile("kustomize", ".yaml");
            Files.writeString(rendered, kubectlKustomize(Repository.path(dir)));
            assertThat(Repository.yamlDocuments(rendered))
                    .as(dir)
                    .containsExactlyInAnyOrderElementsOf(Kustomization.render(Repository.path(dir)));
            Files.delete(rendered);
        }
    }

    /** Pointing the images at a registry (an overlay's "images:") rewrites the FlinkDeployments' images too. */
    @Test
    void anOverlayMovesEveryImageToAnotherRegistry(@TempDir Path overlay) throws Exception {
        Assumptions.assumeTrue(onPath("kubectl"), "kubectl is not installed");
        Files.writeString(
                overlay.resolve("kustomization.yaml"),
                "resources: [" + overlay.relativize(Repository.path("k8s/overlays/cpu-only")) + "]\n"
                        + "images:\n"
                        + "  - {name: seedstream/flink-jobs, newName: registry.example.com/seedstream/flink-jobs}\n"
                        + "  - {name: seedstream/model-server, newName: registry.example.com/seedstream/model-server}\n");
        List<String> images = kubectlKustomize(overlay)
                .lines()
                .map(String::strip)
                .filter(l -> l.startsWith("image:"))
                .toList();
        assertThat(images)
                .hasSize(4)
                .allSatisfy(line -> assertThat(line).startsWith("image: registry.example.com/seedstream/"));
    }

    @Test
    void aMisspeltFieldIsCaught(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("kustomization.yaml"), "resources: [deployment.yaml]\n");
        Files.writeString(dir.resolve("deployment.yaml"), """
                apiVersion: apps/v1
                kind: Deployment
                metadata: {name: typo}
                spec:
                  selector: {matchLabels: {app: typo}}
                  template:
                    metadata: {labels: {app: typo}}
                    spec:
                      nodeSelectors: {disk: ssd}
                      containers: [{name: c, image: seedstream/model-server:0.1.0}]
                """);
        assertThatThrownBy(() -> new Manifests(dir)).hasMessageContaining("spec.template.spec.nodeSelectors");
    }

    @Test
    void flinkDeploymentsNameTheFlinkVersionOfTheImages() {
        String expected = "v" + Repository.FLINK_VERSION.replaceAll("^(\\d+)\\.(\\d+).*", "$1_$2");
        assertThat(DOCKERFILE.globalArgs().get("FLINK_IMAGE")).startsWith("flink:" + Repository.FLINK_VERSION + "-");
        assertThat(BASE.flinkVersions)
                .hasSize(3)
                .allSatisfy((name, version) -> assertThat(version).as(name).isEqualTo(expected));
    }

    @Test
    void everyImageIsOneThatDockerBuilds() {
        for (Manifests manifests : List.of(BASE, CPU_ONLY)) {
            for (FlinkDeployment flink : manifests.all(FlinkDeployment.class)) {
                assertThat(flink.getSpec().getImage())
                        .as(flink.getMetadata().getName())
                        .isIn(Repository.IMAGES.get("flink-jobs-cpu"), Repository.IMAGES.get("flink-jobs-gpu"));
            }
            Container server = serverContainer(manifests);
            assertThat(server.getImage()).isEqualTo(Repository.IMAGES.get("model-server"));
        }
    }

    @Test
    void eachJobRunsOnceFromTheJarInTheImage() throws Exception {
        String jarPath = DOCKERFILE.stage("flink-jobs-cpu").orElseThrow().all("COPY").stream()
                .filter(c -> c.endsWith(".jar"))
                .map(c -> c.substring(c.lastIndexOf(' ') + 1))
                .findFirst()
                .orElseThrow();
        List<FlinkCluster.Job> jobs = new ArrayList<>();
        for (FlinkDeployment flink : BASE.all(FlinkDeployment.class)) {
            var job = flink.getSpec().getJob();
            assertThat(job.getJarURI()).isEqualTo("local://" + jarPath);
            assertThat(Class.forName(job.getEntryClass()).getMethod("main", String[].class))
                    .isNotNull();
            assertThat(job.getEntryClass()).isEqualTo(ClusterJob.class.getName());
            CommandLine.ParseResult args = new CommandLine(new ClusterJob()).parseArgs(job.getArgs());
            jobs.add(ClusterJob.job(args.matchedPositional(0).getValue()));
            assertThat(args.matchedOptionValue("--kafka", "")).isEqualTo(bootstrap(BASE));
        }
        assertThat(jobs).containsExactlyInAnyOrder(FlinkCluster.Job.values());
    }

    @Test
    void stateIsInRocksDbWithCheckpointsAndSavepointsOnDurableStorage() {
        Set<String> checkpointDirs = new HashSet<>();
        for (FlinkDeployment flink : BASE.all(FlinkDeployment.class)) {
            Map<String, String> conf = flink.getSpec().getFlinkConfiguration();
            String name = flink.getMetadata().getName();
            assertThat(conf.get("state.backend.type")).as(name).isEqualTo("rocksdb");
            for (String key : List.of(
                    "execution.checkpointing.dir",
                    "execution.checkpointing.savepoint-dir",
                    "high-availability.storageDir")) {
                assertThat(conf.get(key)).as(name + " " + key).matches("(s3|s3a|gs|abfss|hdfs)://.+");
            }
            assertThat(checkpointDirs.add(conf.get("execution.checkpointing.dir")))
                    .as("one checkpoint folder per job")
                    .isTrue();
            assertThat(conf).containsKey("execution.checkpointing.interval");
            assertThat(flink.getSpec().getJob().getUpgradeMode()).isEqualTo(UpgradeMode.SAVEPOINT);
            // The image's conf/ is replaced by the operator's: DJL's class loading must be set here too.
            assertThat(conf.get("classloader.parent-first-patterns.additional"))
                    .as(name)
                    .contains("ai.djl.");
            assertThat(conf.get("env.java.opts.taskmanager")).contains("-Dai.djl.offline=true");
            assertThat(flink.getSpec().getServiceAccount())
                    .isIn(BASE.all(ServiceAccount.class).stream()
                            .map(a -> a.getMetadata().getName())
                            .toList());
        }
        // the service account may manage the task manager pods
        assertThat(BASE.all(RoleBinding.class))
                .anySatisfy(binding -> assertThat(binding.getSubjects())
                        .anySatisfy(s -> assertThat(s.getName()).isEqualTo("flink")));
    }

    @Test
    void gpuTaskManagersOnlyForLocalizationAndTraining() {
        for (FlinkDeployment flink : BASE.all(FlinkDeployment.class)) {
            String name = flink.getMetadata().getName();
            Map<String, String> conf = flink.getSpec().getFlinkConfiguration();
            if (GPU_JOBS.contains(name)) {
                assertThat(flink.getSpec().getImage()).isEqualTo(Repository.IMAGES.get("flink-jobs-gpu"));
                assertThat(conf.get("external-resources")).isEqualTo(TaskDevice.GPU_RESOURCE);
                String prefix = "external-resource." + TaskDevice.GPU_RESOURCE + ".";
                assertThat(conf.get(prefix + "driver-factory.class"))
                        .isEqualTo("org.apache.flink.externalresource.gpu.GPUDriverFactory");
                assertThat(conf.get(prefix + "kubernetes.config-key")).isEqualTo(GPU_KEY);
                int amount = Integer.parseInt(conf.get(prefix + "amount"));
                assertThat(amount).isPositive();
                PodSpec taskManager =
                        flink.getSpec().getTaskManager().getPodTemplate().getSpec();
                assertThat(mainContainer(taskManager).getResources().getLimits().get(GPU_KEY))
                        .isEqualTo(new Quantity(String.valueOf(amount)));
                assertThat(taskManager.getNodeSelector()).isNotEmpty();
                assertThat(taskManager.getTolerations())
                        .anySatisfy(t -> assertThat(t.getKey()).isEqualTo(GPU_KEY));
                assertThat(gpuRequests(flink.getSpec().getJobManager().getPodTemplate()))
                        .as("job manager")
                        .isFalse();
                assertThat(gpuRequests(flink.getSpec().getPodTemplate()))
                        .as("every pod")
                        .isFalse();
            } else {
                assertCpuOnly(flink);
            }
        }
        assertThat(BASE.all(Deployment.class))
                .noneSatisfy(
                        d -> assertThat(gpuRequests(d.getSpec().getTemplate())).isTrue());
    }

    @Test
    void theCpuOnlyOverlayAsksForNoGpu() {
        assertThat(CPU_ONLY.all(FlinkDeployment.class)).hasSize(3).allSatisfy(KubernetesManifestsTest::assertCpuOnly);
        assertThat(CPU_ONLY.all(FlinkDeployment.class))
                .allSatisfy(flink ->
                        assertThat(flink.getSpec().getFlinkConfiguration()).containsKey("state.backend.type"));
        assertThat(names(CPU_ONLY.resources)).containsExactlyInAnyOrderElementsOf(names(BASE.resources));
    }

    @Test
    void topicsAreTheCodesWithTheModelsTopicSizedForModels() {
        Topics topics = Topics.configured(SeedStreamConfig.defaults());
        Map<String, KafkaTopic> byName = new HashMap<>();
        BASE.all(KafkaTopic.class).forEach(t -> byName.put(t.getSpec().getTopicName(), t));
        assertThat(byName.keySet())
                .containsExactlyInAnyOrderElementsOf(topics.all())
                .hasSize(7);
        Kafka kafka = BASE.all(Kafka.class).get(0);
        int brokers = BASE.all(KafkaNodePool.class).stream()
                .filter(p -> p.getSpec().getRoles().contains(ProcessRoles.BROKER))
                .mapToInt(p -> p.getSpec().getReplicas())
                .sum();
        for (KafkaTopic topic : byName.values()) {
            assertThat(topic.getMetadata().getLabels())
                    .containsEntry("strimzi.io/cluster", kafka.getMetadata().getName());
            assertThat(topic.getSpec().getReplicas()).isBetween(1, brokers);
        }
        KafkaTopic models = byName.get(topics.models());
        assertThat(models.getSpec().getPartitions())
                .as("one partition keeps the versions in order")
                .isEqualTo(1);
        assertThat(models.getSpec().getConfig()).containsEntry("cleanup.policy", "compact");
        assertThat(((Number) models.getSpec().getConfig().get("max.message.bytes")).intValue())
                .isEqualTo(TopicSetup.MAX_MODEL_BYTES);

        Map<String, Object> broker = kafka.getSpec().getKafka().getConfig();
        assertThat(((Number) broker.get("replica.fetch.max.bytes")).intValue())
                .isGreaterThanOrEqualTo(TopicSetup.MAX_MODEL_BYTES);
        assertThat(((Number) broker.getOrDefault("transaction.max.timeout.ms", 900_000)).intValue())
                .as("the exactly-once sinks' transactions must fit")
                .isGreaterThanOrEqualTo(KafkaWiring.TRANSACTION_TIMEOUT_MS);
        assertThat(((Number) broker.get("min.insync.replicas")).intValue()).isLessThan(brokers);

        int localizationParallelism = BASE.named(FlinkDeployment.class, "seedstream-localization")
                .getSpec()
                .getJob()
                .getParallelism();
        assertThat(byName.get(topics.labeledImages()).getSpec().getPartitions())
                .as("every localization subtask reads a partition")
                .isGreaterThanOrEqualTo(localizationParallelism);
    }

    @Test
    void kafkaRunsInKraftModeWithATopicOperator() {
        Kafka kafka = BASE.all(Kafka.class).get(0);
        List<KafkaNodePool> pools = BASE.all(KafkaNodePool.class);
        assertThat(pools)
                .allSatisfy(p -> assertThat(p.getMetadata().getLabels())
                        .containsEntry("strimzi.io/cluster", kafka.getMetadata().getName()));
        assertThat(pools.stream().flatMap(p -> p.getSpec().getRoles().stream()))
                .contains(ProcessRoles.CONTROLLER, ProcessRoles.BROKER);
        assertThat(kafka.getSpec().getEntityOperator().getTopicOperator())
                .as("KafkaTopics need the topic operator")
                .isNotNull();
    }

    @Test
    void theModelServerIsProbedScaledAndServedOnItsPort() throws IOException {
        Deployment deployment = BASE.named(Deployment.class, "model-server");
        Container server = serverContainer(BASE);
        ServeCommand serve = new ServeCommand();
        CommandLine.ParseResult args =
                new CommandLine(serve).parseArgs(server.getArgs().toArray(String[]::new));
        assertThat(args.matchedOptionValue("--kafka", "")).isEqualTo(bootstrap(BASE));
        int port = args.matchedOptionValue("--port", -1);
        assertThat(port(server, "http")).isEqualTo(port);
        assertThat(DOCKERFILE.stage("model-server").orElseThrow().all("EXPOSE")).contains(String.valueOf(port));

        var api = Repository.JSON
                .readTree(ServeCommand.class.getResourceAsStream("/public/openapi.json"))
                .path("paths");
        assertThat(server.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/health/ready");
        assertThat(server.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/health/live");
        assertThat(api.has("/health/ready") && api.has("/health/live") && api.has("/metrics"))
                .isTrue();
        var token = server.getEnv().stream()
                .filter(variable -> variable.getName().equals(AccessToken.VARIABLE))
                .findFirst()
                .orElseThrow(() -> new AssertionError("the replicas share one access token: " + AccessToken.VARIABLE));
        assertThat(token.getValue()).as("never in the manifest itself").isNull();
        assertThat(token.getValueFrom().getSecretKeyRef().getName()).isEqualTo("seedstream-server-token");

        Service service = BASE.named(Service.class, "model-server");
        assertThat(deployment.getSpec().getTemplate().getMetadata().getLabels())
                .containsAllEntriesOf(service.getSpec().getSelector());
        assertThat(service.getSpec().getPorts())
                .allSatisfy(p ->
                        assertThat(port(server, p.getTargetPort().getStrVal())).isPositive());

        HorizontalPodAutoscaler autoscaler = BASE.named(HorizontalPodAutoscaler.class, "model-server");
        assertThat(autoscaler.getSpec().getScaleTargetRef().getName()).isEqualTo("model-server");
        assertThat(deployment.getSpec().getReplicas())
                .as("the autoscaler's to set; every apply would reset it")
                .isNull();
        assertThat(autoscaler.getSpec().getMetrics())
                .anySatisfy(m -> assertThat(m.getResource().getName()).isEqualTo("cpu"));
        assertThat(server.getResources().getRequests())
                .as("CPU utilization is relative to the request")
                .containsKey("cpu");
    }

    @Test
    void podsRunAsTheImagesUnprivilegedUsers() {
        int flinkUid = uid("flink-jobs-gpu");
        int serverUid = uid("java-app");
        for (FlinkDeployment flink : BASE.all(FlinkDeployment.class)) {
            var security = flink.getSpec().getPodTemplate().getSpec().getSecurityContext();
            assertThat(security.getRunAsNonRoot()).isTrue();
            assertThat(security.getRunAsUser()).isEqualTo(flinkUid);
        }
        var security = BASE.named(Deployment.class, "model-server")
                .getSpec()
                .getTemplate()
                .getSpec()
                .getSecurityContext();
        assertThat(security.getRunAsNonRoot()).isTrue();
        assertThat(security.getRunAsUser()).isEqualTo(serverUid);
    }

    @Test
    void prometheusScrapesPortsThatThePodsOpen() {
        String reporterPort = Repository.yaml(Repository.path("docker/flink/config.yaml"))
                .path("metrics.reporter.prom.port")
                .asText();
        List<PodTemplateSpec> pods = new ArrayList<>();
        for (FlinkDeployment flink : BASE.all(FlinkDeployment.class)) {
            assertThat(flink.getSpec().getFlinkConfiguration().get("metrics.reporter.prom.port"))
                    .isEqualTo(reporterPort);
            assertThat(port(mainContainer(flink.getSpec().getPodTemplate().getSpec()), "metrics"))
                    .isEqualTo(Integer.parseInt(reporterPort));
            pods.add(flink.getSpec().getPodTemplate());
        }
        pods.add(BASE.named(Deployment.class, "model-server").getSpec().getTemplate());
        for (GenericKubernetesResource monitor : BASE.all(GenericKubernetesResource.class)) {
            Map<String, String> selector = monitor.get("spec", "selector", "matchLabels");
            if (selector.containsKey("strimzi.io/kind")) {
                continue; // Strimzi's own pods
            }
            List<PodTemplateSpec> selected = pods.stream()
                    .filter(p -> p.getMetadata().getLabels().entrySet().containsAll(selector.entrySet()))
                    .toList();
            assertThat(selected)
                    .as(monitor.getMetadata().getName() + " selects pods")
                    .isNotEmpty();
            List<Map<String, Object>> endpoints = monitor.get("spec", "podMetricsEndpoints");
            for (Map<String, Object> endpoint : endpoints) {
                assertThat(selected)
                        .allSatisfy(p -> assertThat(port(mainContainer(p.getSpec()), (String) endpoint.get("port")))
                                .isPositive());
            }
        }
    }

    // ---- helpers ----

    private static void assertCpuOnly(FlinkDeployment flink) {
        assertThat(flink.getSpec().getImage()).isEqualTo(Repository.IMAGES.get("flink-jobs-cpu"));
        assertThat(flink.getSpec().getFlinkConfiguration().keySet()).noneMatch(k -> k.startsWith("external-resource"));
        PodTemplateSpec taskManager = flink.getSpec().getTaskManager().getPodTemplate();
        assertThat(gpuRequests(taskManager)).isFalse();
        if (taskManager != null) {
            assertThat(taskManager.getSpec().getTolerations()).isNullOrEmpty();
            assertThat(taskManager.getSpec().getNodeSelector()).isNullOrEmpty();
        }
    }

    private static boolean gpuRequests(PodTemplateSpec pod) {
        if (pod == null || pod.getSpec() == null) {
            return false;
        }
        return pod.getSpec().getContainers().stream()
                .map(Container::getResources)
                .filter(r -> r != null)
                .anyMatch(r -> (r.getLimits() != null && r.getLimits().containsKey(GPU_KEY))
                        || (r.getRequests() != null && r.getRequests().containsKey(GPU_KEY)));
    }

    private static Container mainContainer(PodSpec pod) {
        return pod.getContainers().get(0);
    }

    private static Container serverContainer(Manifests manifests) {
        return mainContainer(manifests
                .named(Deployment.class, "model-server")
                .getSpec()
                .getTemplate()
                .getSpec());
    }

    private static int port(Container container, String name) {
        return Optional.ofNullable(container.getPorts()).orElse(List.of()).stream()
                .filter(p -> name.equals(p.getName()))
                .map(ContainerPort::getContainerPort)
                .findFirst()
                .orElse(-1);
    }

    /** host:port of the Strimzi cluster's internal listener (TLS and SCRAM: see {@link KafkaAccessManifestsTest}). */
    static String bootstrap(Manifests manifests) {
        Kafka kafka = manifests.all(Kafka.class).get(0);
        GenericKafkaListener listener =
                kafka.getSpec().getKafka().getListeners().stream().findFirst().orElseThrow();
        return kafka.getMetadata().getName() + "-kafka-bootstrap:" + listener.getPort();
    }

    private static int uid(String target) {
        return DOCKERFILE.stage(target).orElseThrow().all("RUN").stream()
                .map(run -> Pattern.compile("useradd [^;&]*--uid[= ](\\d+)").matcher(run))
                .filter(Matcher::find)
                .map(m -> Integer.parseInt(m.group(1)))
                .findFirst()
                .orElseThrow();
    }

    /** {@code kubectl kustomize DIR}'s output (resources outside DIR allowed, as a user's overlay has them). */
    private static String kubectlKustomize(Path dir) throws IOException, InterruptedException {
        Process kubectl = new ProcessBuilder(
                        "kubectl", "kustomize", "--load-restrictor", "LoadRestrictionsNone", dir.toString())
                .redirectErrorStream(true)
                .start();
        String output = new String(kubectl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(kubectl.waitFor()).as(output).isZero();
        return output;
    }

    private static boolean onPath(String program) {
        return Stream.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
                .anyMatch(dir -> Files.isExecutable(Path.of(dir, program)));
    }

    private static List<String> names(List<? extends HasMetadata> resources) {
        return resources.stream()
                .map(r -> r.getKind() + "/" + r.getMetadata().getName())
                .toList();
    }
}
