package io.seedstream.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.zjsonpatch.JsonPatch;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.StreamSupport;

/**
 * What {@code kubectl apply -k DIR} would apply, for the features k8s/ uses: resources (files and
 * other kustomizations), JSON 6902 patches by target, and the namespace (configurations only tell
 * transformers that k8s/ does not use itself where to look). Anything else in a
 * kustomization fails here, so that the tests never check less than what is deployed.
 */
final class Kustomization {

    private static final Set<String> SUPPORTED =
            Set.of("apiVersion", "kind", "namespace", "resources", "patches", "configurations");
    private static final Set<String> CLUSTER_SCOPED = Set.of("Namespace", "ClusterRole", "ClusterRoleBinding");

    private Kustomization() {}

    static List<ObjectNode> render(Path dir) {
        JsonNode kustomization = Repository.yaml(dir.resolve("kustomization.yaml"));
        kustomization.fieldNames().forEachRemaining(field -> {
            if (!SUPPORTED.contains(field)) {
                throw new IllegalArgumentException(dir + ": the tests do not render '" + field + "'");
            }
        });
        for (JsonNode configuration : kustomization.path("configurations")) {
            if (!Files.isRegularFile(dir.resolve(configuration.asText()))) {
                throw new IllegalArgumentException(dir + ": no configuration " + configuration.asText());
            }
        }
        List<ObjectNode> documents = new ArrayList<>();
        for (JsonNode resource : kustomization.path("resources")) {
            Path path = dir.resolve(resource.asText()).normalize();
            if (Files.isDirectory(path)) {
                documents.addAll(render(path));
            } else {
                Repository.yamlDocuments(path).forEach(d -> documents.add((ObjectNode) d));
            }
        }
        for (JsonNode patch : kustomization.path("patches")) {
            JsonNode operations = Repository.yaml(dir.resolve(patch.path("path").asText()));
            JsonNode target = patch.path("target");
            int matched = 0;
            for (int i = 0; i < documents.size(); i++) {
                if (matches(documents.get(i), target)) {
                    documents.set(i, (ObjectNode) JsonPatch.apply(operations, documents.get(i)));
                    matched++;
                }
            }
            if (matched == 0) {
                throw new IllegalArgumentException(dir + ": a patch matches no resource: " + target);
            }
        }
        String namespace = kustomization.path("namespace").asText(null);
        if (namespace != null) {
            documents.stream()
                    .filter(d -> !CLUSTER_SCOPED.contains(d.path("kind").asText()))
                    .forEach(d -> ((ObjectNode) d.path("metadata")).put("namespace", namespace));
            // as kustomize does: the service accounts a binding names are the ones in the namespace
            documents.stream()
                    .filter(d -> d.path("kind").asText().endsWith("RoleBinding"))
                    .flatMap(d -> StreamSupport.stream(d.path("subjects").spliterator(), false))
                    .filter(subject ->
                            subject.path("kind").asText().equals("ServiceAccount") && !subject.has("namespace"))
                    .forEach(subject -> ((ObjectNode) subject).put("namespace", namespace));
        }
        return documents;
    }

    private static boolean matches(JsonNode document, JsonNode target) {
        String group = document.path("apiVersion").asText().contains("/")
                ? document.path("apiVersion").asText().split("/")[0]
                : "";
        return (!target.has("group") || target.path("group").asText().equals(group))
                && (!target.has("kind")
                        || target.path("kind")
                                .asText()
                                .equals(document.path("kind").asText()))
                && (!target.has("name")
                        || target.path("name")
                                .asText()
                                .equals(document.path("metadata").path("name").asText()));
    }
}
