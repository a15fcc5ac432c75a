package io.seedstream.deploy;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * docker/compose.yaml in the part of the Compose specification it uses. Keys outside it fail to
 * parse, so a misspelt key is an error here instead of being ignored; extension keys (x-...) are
 * dropped, as Compose drops them after resolving their anchors.
 */
record ComposeFile(String name, Map<String, Service> services, Map<String, Object> volumes) {

    record Service(
            String image,
            Build build,
            JsonNode command,
            Map<String, Object> environment,
            List<String> volumes,
            List<String> ports,
            @JsonProperty("depends_on") Map<String, Dependency> dependsOn,
            Healthcheck healthcheck,
            Deploy deploy,
            List<String> profiles,
            String restart) {

        /** The command as arguments (a string command is split on spaces, as Compose does). */
        List<String> arguments() {
            if (command == null) {
                return List.of();
            }
            return command.isTextual()
                    ? Arrays.asList(command.asText().split("\\s+"))
                    : Repository.JSON.convertValue(
                            command,
                            Repository.JSON.getTypeFactory().constructCollectionType(List.class, String.class));
        }

        String env(String key) {
            return environment == null || environment.get(key) == null ? null : String.valueOf(environment.get(key));
        }

        boolean reservesGpu() {
            return deploy != null
                    && deploy.resources() != null
                    && deploy.resources().reservations() != null
                    && deploy.resources().reservations().devices().stream()
                            .anyMatch(d -> d.capabilities().contains("gpu"));
        }
    }

    record Build(String context, String dockerfile, String target) {}

    record Dependency(String condition) {}

    record Healthcheck(
            List<String> test,
            String interval,
            String timeout,
            @JsonProperty("start_period") String startPeriod,
            Integer retries) {}

    record Deploy(Integer replicas, Resources resources) {}

    record Resources(Reservations reservations) {}

    record Reservations(List<Device> devices) {}

    record Device(String driver, Integer count, List<String> capabilities) {}

    static ComposeFile read(Path file) {
        ObjectNode tree = (ObjectNode) Repository.yamlWithMergeKeys(file);
        tree.remove(tree.properties().stream()
                .map(Map.Entry::getKey)
                .filter(k -> k.startsWith("x-"))
                .toList());
        try {
            return Repository.JSON.treeToValue(tree, ComposeFile.class);
        } catch (JsonProcessingException e) {
            throw new AssertionError(file + " does not parse: " + e.getOriginalMessage(), e);
        }
    }
}
