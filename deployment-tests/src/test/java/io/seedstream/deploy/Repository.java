package io.seedstream.deploy;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;

/** The repository under test, the versions the build uses, and the readers of its files. */
final class Repository {

    static final Path ROOT = Path.of(System.getProperty("seedstream.root", ".."))
            .toAbsolutePath()
            .normalize();
    static final String FLINK_VERSION = System.getProperty("flink.version", "2.2.1");
    static final String PYTORCH_VERSION = System.getProperty("pytorch.version", "2.7.1");
    static final String KAFKA_VERSION = System.getProperty("kafka.version", "4.2.2");
    /** The tag of SeedStream's images: the project's version without -SNAPSHOT. */
    static final String IMAGE_VERSION =
            System.getProperty("seedstream.version", "0.1.0-SNAPSHOT").replace("-SNAPSHOT", "");

    /** The images docker/Dockerfile builds, by target: compose names them so, and k8s/ pulls them. */
    static final Map<String, String> IMAGES = Map.of(
            "flink-jobs-cpu", "seedstream/flink-jobs:" + IMAGE_VERSION + "-cpu",
            "flink-jobs-gpu", "seedstream/flink-jobs:" + IMAGE_VERSION + "-gpu",
            "model-server", "seedstream/model-server:" + IMAGE_VERSION,
            "cli", "seedstream/cli:" + IMAGE_VERSION);

    /** Jackson for the model classes; unknown fields of classes without an "additional properties" map fail. */
    static final ObjectMapper JSON = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();

    private static final YAMLMapper YAML = new YAMLMapper();

    private Repository() {}

    static Path path(String relative) {
        return ROOT.resolve(relative);
    }

    static String read(String relative) {
        try {
            return Files.readString(path(relative));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every document of a YAML file (a manifest may hold several, separated by ---). */
    static List<JsonNode> yamlDocuments(Path file) {
        try (var parser = new YAMLFactory().createParser(file.toFile())) {
            List<JsonNode> documents = new ArrayList<>();
            var values = YAML.readValues(parser, JsonNode.class);
            while (values.hasNext()) {
                JsonNode document = values.next();
                if (document != null && !document.isNull() && !document.isMissingNode()) {
                    documents.add(document);
                }
            }
            return documents;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    static JsonNode yaml(Path file) {
        List<JsonNode> documents = yamlDocuments(file);
        if (documents.size() != 1) {
            throw new IllegalStateException(file + " holds " + documents.size() + " documents, not one");
        }
        return documents.get(0);
    }

    /** YAML with anchors and merge keys ({@code <<: *anchor}) resolved, as compose reads it. */
    static JsonNode yamlWithMergeKeys(Path file) {
        LoaderOptions options = new LoaderOptions();
        options.setAllowDuplicateKeys(false);
        try {
            Object loaded = new Yaml(options).load(Files.readString(file));
            return JSON.valueToTree(loaded);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
