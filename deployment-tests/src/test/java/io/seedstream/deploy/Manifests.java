package io.seedstream.deploy;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.strimzi.api.kafka.model.kafka.Kafka;
import io.strimzi.api.kafka.model.nodepool.KafkaNodePool;
import io.strimzi.api.kafka.model.topic.KafkaTopic;
import io.strimzi.api.kafka.model.user.KafkaUser;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.flink.kubernetes.operator.api.FlinkDeployment;

/**
 * A rendered kustomization parsed into the real model classes: fabric8's Kubernetes model, the Flink
 * Kubernetes Operator's API, Strimzi's API. A field that a class does not know (a misspelt key, a
 * key at the wrong level) is an error, also where the classes would quietly keep it aside.
 */
final class Manifests {

    /** The API version and class of every kind k8s/ uses. */
    private static final Map<String, Kind> KINDS = Map.ofEntries(
            Map.entry("Namespace", new Kind("v1", Namespace.class)),
            Map.entry("ServiceAccount", new Kind("v1", ServiceAccount.class)),
            Map.entry("ConfigMap", new Kind("v1", ConfigMap.class)),
            Map.entry("Service", new Kind("v1", Service.class)),
            Map.entry("Role", new Kind("rbac.authorization.k8s.io/v1", Role.class)),
            Map.entry("RoleBinding", new Kind("rbac.authorization.k8s.io/v1", RoleBinding.class)),
            Map.entry("Deployment", new Kind("apps/v1", Deployment.class)),
            Map.entry("HorizontalPodAutoscaler", new Kind("autoscaling/v2", HorizontalPodAutoscaler.class)),
            Map.entry("FlinkDeployment", new Kind("flink.apache.org/v1beta1", FlinkDeployment.class)),
            Map.entry("Kafka", new Kind("kafka.strimzi.io/v1", Kafka.class)),
            Map.entry("KafkaNodePool", new Kind("kafka.strimzi.io/v1", KafkaNodePool.class)),
            Map.entry("KafkaTopic", new Kind("kafka.strimzi.io/v1", KafkaTopic.class)),
            Map.entry("KafkaUser", new Kind("kafka.strimzi.io/v1", KafkaUser.class)),
            // No Prometheus-operator model on Maven Central for fabric8 7: the generic resource.
            Map.entry("PodMonitor", new Kind("monitoring.coreos.com/v1", GenericKubernetesResource.class)));

    private record Kind(String apiVersion, Class<? extends HasMetadata> type) {}

    /** The FlinkDeployments' flinkVersion as written: the 1.10.0 API's enum stops at v1_20. */
    final Map<String, String> flinkVersions = new LinkedHashMap<>();

    final List<HasMetadata> resources = new ArrayList<>();

    Manifests(Path kustomization) {
        for (ObjectNode document : Kustomization.render(kustomization)) {
            String kind = document.path("kind").asText();
            String name = document.path("metadata").path("name").asText();
            Kind known = KINDS.get(kind);
            if (known == null) {
                throw new AssertionError(kind + " " + name + ": a kind the tests do not know");
            }
            if (!known.apiVersion().equals(document.path("apiVersion").asText())) {
                throw new AssertionError(kind + " " + name + ": apiVersion "
                        + document.path("apiVersion").asText() + ", expected " + known.apiVersion());
            }
            if (kind.equals("FlinkDeployment")) {
                JsonNode version = ((ObjectNode) document.path("spec")).remove("flinkVersion");
                flinkVersions.put(name, version == null ? null : version.asText());
            }
            HasMetadata resource;
            try {
                resource = Repository.JSON.treeToValue(document, known.type());
            } catch (JsonProcessingException e) {
                throw new AssertionError(kind + " " + name + " does not parse: " + e.getOriginalMessage(), e);
            }
            List<String> unknown = unknownFields(resource);
            if (!unknown.isEmpty() && known.type() != GenericKubernetesResource.class) {
                throw new AssertionError(kind + " " + name + " has fields its model does not know: " + unknown);
            }
            resources.add(resource);
        }
    }

    <T extends HasMetadata> List<T> all(Class<T> type) {
        return resources.stream().filter(type::isInstance).map(type::cast).toList();
    }

    <T extends HasMetadata> T named(Class<T> type, String name) {
        return all(type).stream()
                .filter(r -> r.getMetadata().getName().equals(name))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no " + type.getSimpleName() + " named " + name));
    }

    /** Paths of the values a model class kept in its "additional properties" instead of a field. */
    static List<String> unknownFields(Object model) {
        List<String> found = new ArrayList<>();
        walk(model, "", found, Collections.newSetFromMap(new IdentityHashMap<>()));
        return found;
    }

    private static void walk(Object value, String path, List<String> found, Set<Object> seen) {
        if (value == null || !seen.add(value)) {
            return;
        }
        if (value instanceof Map<?, ?> map) {
            map.forEach((k, v) -> walk(v, path + "." + k, found, seen));
            return;
        }
        if (value instanceof Collection<?> collection) {
            int i = 0;
            for (Object element : collection) {
                walk(element, path + "[" + i++ + "]", found, seen);
            }
            return;
        }
        String pkg = value.getClass().getPackageName();
        if (!(pkg.startsWith("io.fabric8.kubernetes.api.model")
                || pkg.startsWith("io.strimzi.api")
                || pkg.startsWith("org.apache.flink.kubernetes.operator.api"))) {
            return;
        }
        for (Method getter : value.getClass().getMethods()) {
            if (getter.getParameterCount() != 0
                    || Modifier.isStatic(getter.getModifiers())
                    || !getter.getName().startsWith("get")
                    || getter.getDeclaringClass().getPackageName().startsWith("io.fabric8.kubernetes.client")) {
                continue; // CustomResource's own getters (plural, CRD name, ...) are not fields
            }
            Object property;
            try {
                property = getter.invoke(value);
            } catch (ReflectiveOperationException | RuntimeException e) {
                continue;
            }
            if (getter.getName().equals("getAdditionalProperties")) {
                if (property instanceof Map<?, ?> extra && !extra.isEmpty()) {
                    extra.keySet().forEach(k -> found.add(path + "." + k));
                }
            } else {
                walk(property, path + "." + decapitalize(getter.getName().substring(3)), found, seen);
            }
        }
    }

    private static String decapitalize(String name) {
        return name.isEmpty() ? name : Character.toLowerCase(name.charAt(0)) + name.substring(1);
    }
}
