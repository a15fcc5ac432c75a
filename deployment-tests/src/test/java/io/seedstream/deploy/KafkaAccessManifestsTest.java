package io.seedstream.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.seedstream.records.Topics;
import io.seedstream.segmentation.config.SeedStreamConfig;
import io.strimzi.api.kafka.model.kafka.Kafka;
import io.strimzi.api.kafka.model.kafka.KafkaAuthorizationSimple;
import io.strimzi.api.kafka.model.kafka.listener.KafkaListenerAuthenticationScramSha512;
import io.strimzi.api.kafka.model.topic.KafkaTopic;
import io.strimzi.api.kafka.model.user.KafkaUser;
import io.strimzi.api.kafka.model.user.KafkaUserAuthorizationSimple;
import io.strimzi.api.kafka.model.user.KafkaUserScramSha512ClientAuthentication;
import io.strimzi.api.kafka.model.user.acl.AclOperation;
import io.strimzi.api.kafka.model.user.acl.AclRule;
import io.strimzi.api.kafka.model.user.acl.AclRuleTopicResource;
import java.io.StringReader;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.flink.kubernetes.operator.api.FlinkDeployment;
import org.junit.jupiter.api.Test;

/**
 * Kafka on Kubernetes is reached only over TLS with SCRAM: each job and the server log in as a
 * KafkaUser of their own, whose ACLs grant what their code reads and writes, with the credentials
 * and the CA that Strimzi keeps in Secrets, mounted where the client properties look for them.
 */
class KafkaAccessManifestsTest {

    private static final Manifests BASE = new Manifests(Repository.path("k8s/base"));
    private static final Topics TOPICS = Topics.configured(SeedStreamConfig.defaults());
    /** What each client's code reads and writes (LocalizationJob, TrainerJob, ActiveLearningJob, ModelFeed...). */
    private static final Map<String, Access> ACCESS = Map.of(
            "seedstream-localization",
                    new Access(
                            Set.of(TOPICS.labeledImages(), TOPICS.models()),
                            Set.of(TOPICS.seeds(), TOPICS.deadLetters())),
            "seedstream-trainer",
                    new Access(
                            Set.of(TOPICS.labeledImages(), TOPICS.seeds()),
                            Set.of(TOPICS.models(), TOPICS.deadLetters())),
            "seedstream-active-learning",
                    new Access(
                            Set.of(TOPICS.unlabeledImages(), TOPICS.labeledImages(), TOPICS.models()),
                            Set.of(TOPICS.labelRequests(), TOPICS.deadLetters())),
            "seedstream-model-server",
                    new Access(
                            Set.of(
                                    TOPICS.models(),
                                    TOPICS.labeledImages(),
                                    TOPICS.unlabeledImages(),
                                    TOPICS.heldOutImages(),
                                    TOPICS.seeds(),
                                    TOPICS.labelRequests()),
                            Set.of(TOPICS.labeledImages())),
            "seedstream-ingest",
                    new Access(
                            Set.of(),
                            Set.of(TOPICS.labeledImages(), TOPICS.unlabeledImages(), TOPICS.heldOutImages())));

    private record Access(Set<String> reads, Set<String> writes) {}

    @Test
    void theClusterListensOnlyWithTlsAndScramAndAuthorizesByAcl() {
        Kafka kafka = BASE.all(Kafka.class).get(0);
        assertThat(kafka.getSpec().getKafka().getListeners()).isNotEmpty().allSatisfy(listener -> {
            assertThat(listener.isTls()).as(listener.getName()).isTrue();
            assertThat(listener.getAuth()).isInstanceOf(KafkaListenerAuthenticationScramSha512.class);
        });
        assertThat(kafka.getSpec().getKafka().getAuthorization()).isInstanceOf(KafkaAuthorizationSimple.class);
        assertThat(kafka.getSpec().getEntityOperator().getUserOperator())
                .as("KafkaUsers need the user operator")
                .isNotNull();
    }

    @Test
    void eachUserMayReadAndWriteWhatItsCodeDoesOnTopicsThatExist() {
        Set<String> topics = new HashSet<>();
        BASE.all(KafkaTopic.class).forEach(t -> topics.add(t.getSpec().getTopicName()));
        List<KafkaUser> users = BASE.all(KafkaUser.class);
        assertThat(users)
                .extracting(u -> u.getMetadata().getName())
                .containsExactlyInAnyOrderElementsOf(ACCESS.keySet());
        for (KafkaUser user : users) {
            String name = user.getMetadata().getName();
            assertThat(user.getMetadata().getLabels()).containsEntry("strimzi.io/cluster", "seedstream");
            assertThat(user.getSpec().getAuthentication()).isInstanceOf(KafkaUserScramSha512ClientAuthentication.class);
            List<AclRule> acls = ((KafkaUserAuthorizationSimple) user.getSpec().getAuthorization()).getAcls();
            Set<String> reads = new HashSet<>();
            Set<String> writes = new HashSet<>();
            for (AclRule rule : acls) {
                if (rule.getResource() instanceof AclRuleTopicResource topic) {
                    assertThat(topics).as(name + " names a topic that exists").contains(topic.getName());
                    if (rule.getOperations().contains(AclOperation.READ)) {
                        reads.add(topic.getName());
                    }
                    if (rule.getOperations().contains(AclOperation.WRITE)) {
                        writes.add(topic.getName());
                    }
                }
            }
            assertThat(reads).as(name + " reads").isEqualTo(ACCESS.get(name).reads());
            assertThat(writes).as(name + " writes").isEqualTo(ACCESS.get(name).writes());
        }
    }

    @Test
    void everyJobAndTheServerLogInAsTheirOwnUserWithTheSecretsStrimziMakes() throws Exception {
        for (FlinkDeployment flink : BASE.all(FlinkDeployment.class)) {
            String name = flink.getMetadata().getName();
            assertLogsInAs(
                    name,
                    flink.getSpec().getJob().getArgs(),
                    flink.getSpec().getPodTemplate().getSpec());
        }
        Deployment server = BASE.named(Deployment.class, "model-server");
        PodSpec pod = server.getSpec().getTemplate().getSpec();
        assertLogsInAs(
                "seedstream-model-server", pod.getContainers().get(0).getArgs().toArray(String[]::new), pod);
    }

    /** The client properties the arguments name, and the Secrets their placeholders point into. */
    private static void assertLogsInAs(String user, String[] args, PodSpec pod) throws Exception {
        List<String> arguments = List.of(args);
        assertThat(arguments.get(arguments.indexOf("--kafka") + 1))
                .as(user + " connects to the TLS listener")
                .isEqualTo(KubernetesManifestsTest.bootstrap(BASE));
        Path propertiesFile = Path.of(arguments.get(arguments.indexOf("--kafka-config") + 1));
        Container container = pod.getContainers().get(0);
        Volume propertiesVolume = mountedAt(pod, container, propertiesFile.getParent());
        ConfigMap configMap =
                BASE.named(ConfigMap.class, propertiesVolume.getConfigMap().getName());
        Properties properties = new Properties();
        properties.load(new StringReader(
                configMap.getData().get(propertiesFile.getFileName().toString())));
        assertThat(properties)
                .containsEntry("security.protocol", "SASL_SSL")
                .containsEntry("sasl.mechanism", "SCRAM-SHA-512");
        Matcher jaas =
                Pattern.compile("\\$\\{secrets:([^:]+):([^}]+)}").matcher(properties.getProperty("sasl.jaas.config"));
        assertThat(jaas.matches())
                .as("the login comes from a mounted Secret, not the file")
                .isTrue();
        assertThat(mountedAt(pod, container, Path.of(jaas.group(1))).getSecret().getSecretName())
                .as(user + "'s login: the Secret Strimzi makes for its KafkaUser")
                .isEqualTo(user);
        assertThat(jaas.group(2)).isEqualTo("sasl.jaas.config");
        Path truststore = Path.of(properties.getProperty("ssl.truststore.location"));
        assertThat(mountedAt(pod, container, truststore.getParent()).getSecret().getSecretName())
                .isEqualTo(BASE.all(Kafka.class).get(0).getMetadata().getName() + "-cluster-ca-cert");
        assertThat(truststore.getFileName()).hasToString("ca.p12");
        assertThat(properties.getProperty("ssl.truststore.password"))
                .isEqualTo("${secrets:" + truststore.getParent() + ":ca.password}");
    }

    private static Volume mountedAt(PodSpec pod, Container container, Path directory) {
        VolumeMount mount = container.getVolumeMounts().stream()
                .filter(m -> Path.of(m.getMountPath()).equals(directory))
                .findFirst()
                .orElseThrow(() -> new AssertionError("nothing is mounted at " + directory));
        return pod.getVolumes().stream()
                .filter(v -> v.getName().equals(mount.getName()))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no volume " + mount.getName()));
    }
}
