package io.seedstream.flink.local;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.seedstream.flink.JobEnvironment;
import io.seedstream.flink.KafkaSettings;
import io.seedstream.flink.localization.LocalizationJob;
import io.seedstream.flink.training.TrainerJob;
import io.seedstream.segmentation.config.SeedStreamConfig;
import io.seedstream.segmentation.data.ClassList;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.OptionalLong;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * A Flink MiniCluster with its web dashboard, running the pipeline's jobs as a user's cluster would:
 * submitted through the REST endpoint, checkpointed to a directory, RocksDB state.
 */
public final class LocalFlink implements AutoCloseable {

    /** The two jobs of the pipeline. */
    public enum Job {
        LOCALIZATION("seedstream localization"),
        TRAINER("seedstream trainer");

        final String title;

        Job(String title) {
            this.title = title;
        }
    }

    private final MiniCluster cluster;
    private final int port;
    private final HttpClient http = HttpClient.newHttpClient();

    private LocalFlink(MiniCluster cluster) throws Exception {
        this.cluster = cluster;
        this.port = cluster.getRestAddress().get().getPort();
    }

    /** One task manager with {@code slots} slots; the dashboard on {@code dashboardPort} (0: any free port). */
    public static LocalFlink start(int dashboardPort, int slots) throws Exception {
        Configuration configuration = new Configuration();
        configuration.set(RestOptions.PORT, dashboardPort);
        MiniCluster cluster = new MiniCluster(new MiniClusterConfiguration.Builder()
                .setConfiguration(configuration).setNumTaskManagers(1).setNumSlotsPerTaskManager(slots).build());
        cluster.start();
        return new LocalFlink(cluster);
    }

    public int dashboardPort() {
        return port;
    }

    /** Submits one job with parallelism 1, checkpointing every {@code interval} into {@code checkpoints}. */
    public JobClient submit(Job job, SeedStreamConfig config, ClassList classes, KafkaSettings settings, Duration interval,
            Path checkpoints) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.createRemoteEnvironment("localhost", port,
                JobEnvironment.configuration(interval, checkpoints));
        env.setParallelism(1);
        switch (job) {
            case LOCALIZATION -> LocalizationJob.build(env, config, classes, settings);
            case TRAINER -> TrainerJob.build(env, config, classes, settings);
        }
        return env.executeAsync(job.title);
    }

    /** The full state size of the job's latest completed checkpoint, from the REST API; empty before the first. */
    public OptionalLong latestCheckpointStateBytes(JobClient job) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/jobs/" + job.getJobID() + "/checkpoints"))
                .timeout(Duration.ofSeconds(10)).build();
        JsonObject body = JsonParser.parseString(http.send(request, HttpResponse.BodyHandlers.ofString()).body()).getAsJsonObject();
        JsonObject latest = body.getAsJsonObject("latest");
        if (latest == null || latest.get("completed") == null || latest.get("completed").isJsonNull()) {
            return OptionalLong.empty();
        }
        return OptionalLong.of(latest.getAsJsonObject("completed").get("state_size").getAsLong());
    }

    @Override
    public void close() throws Exception {
        cluster.close();
    }
}
