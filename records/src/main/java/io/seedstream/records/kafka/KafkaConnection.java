package io.seedstream.records.kafka;

import java.io.IOException;
import java.io.Reader;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

/**
 * How every SeedStream client reaches the Kafka cluster: its bootstrap servers, and the client
 * properties of a {@code --kafka-config} file (security.protocol, ssl.*, sasl.*), which Kafka's
 * own tools take as {@code --command-config}. Jobs carry it to their task managers, so it is
 * serializable. Its {@link #toString()} names the properties but never their values: passwords
 * and JAAS lines stay out of logs.
 */
public record KafkaConnection(String bootstrapServers, Map<String, String> clientProperties) implements Serializable {

    public KafkaConnection {
        if (bootstrapServers == null || bootstrapServers.isBlank()) {
            throw new IllegalArgumentException("no Kafka bootstrap servers given");
        }
        clientProperties = Map.copyOf(clientProperties);
        if (clientProperties.containsKey("bootstrap.servers")) {
            throw new IllegalArgumentException(
                    "the Kafka client properties name bootstrap.servers; give the servers with --kafka instead");
        }
    }

    /** Without client properties: a plaintext listener without authentication. */
    public static KafkaConnection plain(String bootstrapServers) {
        return new KafkaConnection(bootstrapServers, Map.of());
    }

    /** With the client properties of {@code configFile} (Java properties), or none when it is null. */
    public static KafkaConnection of(String bootstrapServers, Path configFile) {
        if (configFile == null) {
            return plain(bootstrapServers);
        }
        Properties properties = new Properties();
        try (Reader reader = Files.newBufferedReader(configFile, StandardCharsets.UTF_8)) {
            properties.load(reader);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read the Kafka client properties " + configFile + ": " + e, e);
        }
        Map<String, String> values = new TreeMap<>();
        properties.stringPropertyNames().forEach(key -> values.put(key, properties.getProperty(key)));
        return new KafkaConnection(bootstrapServers, values);
    }

    /** The properties every client of this connection starts from: the servers and the client properties. */
    public Properties properties() {
        Properties properties = new Properties();
        properties.putAll(clientProperties);
        properties.put("bootstrap.servers", bootstrapServers);
        return properties;
    }

    @Override
    public String toString() {
        return clientProperties.isEmpty()
                ? bootstrapServers
                : bootstrapServers + " (client properties: "
                        + String.join(", ", new TreeMap<>(clientProperties).keySet()) + ")";
    }
}
