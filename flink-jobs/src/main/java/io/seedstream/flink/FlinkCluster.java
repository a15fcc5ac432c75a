package io.seedstream.flink;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.seedstream.flink.active.ActiveLearningJob;
import io.seedstream.flink.common.KafkaSettings;
import io.seedstream.flink.localization.LocalizationJob;
import io.seedstream.flink.training.TrainerJob;
import io.seedstream.segmentation.config.SeedStreamConfig;
import io.seedstream.segmentation.data.ClassList;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.stream.Collectors;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * Where the pipeline's jobs run: a Flink MiniCluster in this process with its web dashboard
 * ({@link #local}), or an existing cluster ({@link #remote}), to which the job jar is uploaded.
 * Either way the jobs are submitted through the REST endpoint, checkpointed to a directory, with
 * RocksDB state.
 */
public final class FlinkCluster implements AutoCloseable {

    /** The three jobs of the pipeline. */
    public enum Job {
        LOCALIZATION("seedstream localization", "localization"),
        TRAINER("seedstream trainer", "trainer"),
        ACTIVE_LEARNING("seedstream active learning", "active-learning");

        final String title;
        private final String directory;

        Job(String title, String directory) {
            this.title = title;
            this.directory = directory;
        }

        /** The job's name on the cluster. */
        public String title() {
            return title;
        }

        /** Where under the pipeline's checkpoint directory this job checkpoints, so that each job resumes from its own. */
        public URI checkpoints(URI pipelineCheckpoints) {
            String root = pipelineCheckpoints.toString();
            return URI.create(root.endsWith("/") ? root + directory : root + "/" + directory);
        }
    }

    private final MiniCluster miniCluster; // null for a remote cluster
    private final String host;
    private final int port;
    private final String[] jars;
    private final HttpClient http = HttpClient.newHttpClient();

    private FlinkCluster(MiniCluster miniCluster, String host, int port, String[] jars) {
        this.miniCluster = miniCluster;
        this.host = host;
        this.port = port;
        this.jars = jars;
    }

    /** A MiniCluster: one task manager with {@code slots} slots; the dashboard on {@code dashboardPort} (0: any free port). */
    public static FlinkCluster local(int dashboardPort, int slots) throws Exception {
        Configuration configuration = new Configuration();
        configuration.set(RestOptions.PORT, dashboardPort);
        MiniCluster cluster = new MiniCluster(new MiniClusterConfiguration.Builder()
                .setConfiguration(configuration)
                .setNumTaskManagers(1)
                .setNumSlotsPerTaskManager(slots)
                .build());
        cluster.start();
        return new FlinkCluster(
                cluster, "localhost", cluster.getRestAddress().get().getPort(), new String[0]);
    }

    /**
     * An existing cluster whose job manager serves REST at {@code address} (host:port); the jobs
     * run from {@code jobJar}, which is checked here so that a wrong path fails before anything starts.
     */
    public static FlinkCluster remote(String address, Path jobJar) {
        int colon = address.lastIndexOf(':');
        if (colon <= 0 || colon == address.length() - 1) {
            throw new IllegalArgumentException(
                    "Flink address '" + address + "' is not HOST:PORT (the job manager's REST port, 8081 by default)");
        }
        int port;
        try {
            port = Integer.parseInt(address.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("Flink address '" + address + "': the port is not a number");
        }
        if (!Files.isRegularFile(jobJar)) {
            throw new IllegalArgumentException(
                    "job jar " + jobJar + " does not exist: build it with ./mvnw package -DskipTests "
                            + "(flink-jobs/target/seedstream-jobs.jar) or pass --job-jar");
        }
        return new FlinkCluster(null, address.substring(0, colon), port, new String[] {jobJar.toString()});
    }

    /** The web dashboard and REST endpoint. */
    public String dashboardUrl() {
        return "http://" + host + ":" + port;
    }

    /**
     * Submits one job with parallelism 1, checkpointing every {@code interval} into {@code checkpoints}
     * (a URI every task manager and the job manager can reach).
     */
    public JobClient submit(
            Job job,
            SeedStreamConfig config,
            ClassList classes,
            KafkaSettings settings,
            Duration interval,
            URI checkpoints)
            throws Exception {
        return submit(job, config, classes, settings, interval, checkpoints, null);
    }

    /** As {@link #submit(Job, SeedStreamConfig, ClassList, KafkaSettings, Duration, URI)}, restored from {@code restoreFrom} unless it is null. */
    public JobClient submit(
            Job job,
            SeedStreamConfig config,
            ClassList classes,
            KafkaSettings settings,
            Duration interval,
            URI checkpoints,
            String restoreFrom)
            throws Exception {
        Configuration configuration = JobEnvironment.configuration(interval, checkpoints);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.createRemoteEnvironment(
                host,
                port,
                restoreFrom == null ? configuration : JobEnvironment.restoredFrom(configuration, restoreFrom),
                jars);
        env.setParallelism(1);
        switch (job) {
            case LOCALIZATION -> LocalizationJob.build(env, config, classes, settings);
            case TRAINER -> TrainerJob.build(env, config, classes, settings);
            case ACTIVE_LEARNING -> ActiveLearningJob.build(env, config, classes, settings);
        }
        return env.executeAsync(job.title);
    }

    /** The full state size of the job's latest completed checkpoint, from the REST API; empty before the first. */
    public OptionalLong latestCheckpointStateBytes(JobClient job) throws IOException, InterruptedException {
        JsonObject completed = latestCheckpoints(job, "completed");
        return completed == null
                ? OptionalLong.empty()
                : OptionalLong.of(completed.get("state_size").getAsLong());
    }

    /**
     * Metrics of one of the job's operators (its first subtask), such as the trainer's {@code
     * trainerSamples}, from the REST API, by name; a metric the operator has not reported yet is absent.
     */
    public Map<String, Double> operatorMetrics(JobClient job, String operator, List<String> metrics)
            throws IOException, InterruptedException {
        String path = "/jobs/" + job.getJobID();
        String wanted = metrics.stream().map(m -> "0." + operator + "." + m).collect(Collectors.joining(","));
        for (JsonElement vertex : get(path).getAsJsonArray("vertices")) {
            String id = vertex.getAsJsonObject().get("id").getAsString();
            JsonElement values = JsonParser.parseString(getString(path + "/vertices/" + id + "/metrics?get=" + wanted));
            if (values.isJsonArray() && !values.getAsJsonArray().isEmpty()) {
                Map<String, Double> found = new HashMap<>();
                for (JsonElement value : values.getAsJsonArray()) {
                    String name = value.getAsJsonObject().get("id").getAsString();
                    found.put(
                            name.substring(name.lastIndexOf('.') + 1),
                            value.getAsJsonObject().get("value").getAsDouble());
                }
                return found;
            }
        }
        return Map.of();
    }

    /** The checkpoint or savepoint a job last restored its state from, when, from the REST API. */
    public record Restore(long checkpointId, long restoredAtMs, boolean savepoint) {}

    /** The job's latest restore; empty when it has run from its start without one. */
    public Optional<Restore> latestRestore(JobClient job) throws IOException, InterruptedException {
        JsonObject restored = latestCheckpoints(job, "restored");
        return restored == null
                ? Optional.empty()
                : Optional.of(new Restore(
                        restored.get("id").getAsLong(),
                        restored.get("restore_timestamp").getAsLong(),
                        restored.get("is_savepoint").getAsBoolean()));
    }

    /** One entry ("completed", "restored", ...) of the job's latest checkpoints; null when there is none yet. */
    private JsonObject latestCheckpoints(JobClient job, String entry) throws IOException, InterruptedException {
        JsonObject body = get("/jobs/" + job.getJobID() + "/checkpoints");
        JsonObject latest = body.getAsJsonObject("latest");
        if (latest == null || latest.get(entry) == null || latest.get(entry).isJsonNull()) {
            return null;
        }
        return latest.getAsJsonObject(entry);
    }

    private JsonObject get(String path) throws IOException, InterruptedException {
        return JsonParser.parseString(getString(path)).getAsJsonObject();
    }

    private String getString(String path) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(URI.create(dashboardUrl() + path))
                .timeout(Duration.ofSeconds(10))
                .build();
        return http.send(request, HttpResponse.BodyHandlers.ofString()).body();
    }

    @Override
    public void close() throws Exception {
        if (miniCluster != null) {
            miniCluster.close();
        }
    }
}
