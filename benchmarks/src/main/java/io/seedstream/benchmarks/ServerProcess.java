package io.seedstream.benchmarks;

import io.seedstream.segmentation.config.SeedStreamConfig;
import io.seedstream.server.ServeCommand;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The model server as a child JVM on this class path, ready once it serves a segmenter. It can be
 * killed ({@code kill -9}) and started again on the same port, as a restarted pod would be.
 */
final class ServerProcess implements AutoCloseable {

    private static final Pattern PORT_LINE = Pattern.compile("seedstream serve: port (\\d+)");

    private final List<String> command;
    private final ProcessBuilder.Redirect errors;
    private Process process;
    private int port;

    private ServerProcess(List<String> command, ProcessBuilder.Redirect errors) {
        this.command = command;
        this.errors = errors;
    }

    /**
     * Starts a server of the {@code serving} configuration on {@code port} (0: any free one) and
     * waits until it is ready; its standard error goes to {@code errors}.
     */
    static ServerProcess start(
            String bootstrapServers, SeedStreamConfig serving, int port, ProcessBuilder.Redirect errors)
            throws Exception {
        Path configFile = Files.createTempFile("seedstream-server-bench", ".json");
        configFile.toFile().deleteOnExit();
        Files.writeString(configFile, serving.toJson());
        ServerProcess server = new ServerProcess(
                List.of(
                        Paths.get(System.getProperty("java.home"), "bin", "java")
                                .toString(),
                        "-Xmx4g",
                        "-Dai.djl.offline=true",
                        "-Dai.djl.pytorch.num_interop_threads=1",
                        "-Dlog4j2.level=warn",
                        "-cp",
                        System.getProperty("java.class.path"),
                        ServeCommand.class.getName(),
                        "--kafka",
                        bootstrapServers,
                        "--host",
                        "127.0.0.1",
                        "--config",
                        configFile.toString()),
                errors);
        server.launch(port);
        return server;
    }

    /** Kills the server with SIGKILL: no shutdown hook runs, requests in flight are cut off. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor();
    }

    /** Starts the server again on its port, after {@link #kill}, and waits until it is ready. */
    void restart() throws Exception {
        launch(port);
    }

    private void launch(int onPort) throws Exception {
        List<String> withPort = new ArrayList<>(command);
        withPort.addAll(List.of("--port", String.valueOf(onPort)));
        process = new ProcessBuilder(withPort).redirectError(errors).start();
        try {
            port = awaitPort();
            awaitReady();
        } catch (Exception | Error e) {
            process.destroyForcibly();
            throw e;
        }
    }

    private int awaitPort() throws IOException, InterruptedException {
        BufferedReader lines =
                new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        for (String line = lines.readLine(); line != null; line = lines.readLine()) {
            Matcher m = PORT_LINE.matcher(line);
            if (m.find()) {
                Thread drain = new Thread(() -> lines.lines().forEach(l -> {}), "server-stdout");
                drain.setDaemon(true);
                drain.start();
                return Integer.parseInt(m.group(1));
            }
        }
        throw new IOException("the model server exited (" + process.waitFor() + ") before listening");
    }

    URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    private void awaitReady() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (System.nanoTime() < deadline) {
            if (readyStatus(http) == 200) {
                return;
            }
            Thread.sleep(200);
        }
        throw new IOException("the model server did not become ready within 120 s");
    }

    /** The status of one POST /v1/segment of {@code png}, or -1 when it got no answer. */
    int segment(HttpClient http, byte[] png, Duration timeout) {
        try {
            HttpRequest request = HttpRequest.newBuilder(uri("/v1/segment"))
                    .timeout(timeout)
                    .header("Content-Type", "image/png")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(png))
                    .build();
            return http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    boolean alive() {
        return process.isAlive();
    }

    int readyStatus(HttpClient http) {
        try {
            return http.send(
                            HttpRequest.newBuilder(uri("/health/ready"))
                                    .timeout(Duration.ofSeconds(5))
                                    .build(),
                            HttpResponse.BodyHandlers.discarding())
                    .statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    /** The server's resident memory, in MB; NaN where /proc does not say. */
    double residentMb() {
        return ResidentMemory.megabytes(process.pid());
    }

    private String metrics(HttpClient http) throws Exception {
        return http.send(HttpRequest.newBuilder(uri("/metrics")).build(), HttpResponse.BodyHandlers.ofString())
                .body();
    }

    /** Sum and count of the batch-size histogram. */
    double[] batchHistogram(HttpClient http) throws Exception {
        String text = metrics(http);
        return new double[] {
            metric(text, "seedstream_server_batch_size_sum"), metric(text, "seedstream_server_batch_size_count")
        };
    }

    long swaps(HttpClient http) throws Exception {
        return (long) metric(metrics(http), "seedstream_server_model_swaps_total{model=\"segmenter\"}");
    }

    private static double metric(String text, String name) {
        return Arrays.stream(text.split("\n"))
                .filter(line -> line.startsWith(name + " "))
                .findFirst()
                .map(line ->
                        Double.parseDouble(line.substring(name.length() + 1).trim()))
                .orElse(0.0);
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }
}
