package io.seedstream.flink;

import com.google.gson.JsonParser;
import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * A standalone Flink session cluster in two processes of its own, a job manager and a task manager,
 * started from Flink's own entry points as Flink's scripts start them. Its classpath plays the part
 * of the distribution's {@code lib/} with DJL added, so a job only runs if its jar brings the rest.
 */
public final class StandaloneFlink implements AutoCloseable {

    private static final List<String> NOT_IN_A_FLINK_DISTRIBUTION = List.of(
            "/io/seedstream/",
            "/org/apache/kafka/",
            "/org/apache/flink/flink-connector-kafka/",
            "/org/apache/avro/",
            "/com/fasterxml/jackson/",
            "/org/scala-lang/");

    private final List<Process> processes = new ArrayList<>();
    private final int restPort;

    private StandaloneFlink(int restPort) {
        this.restPort = restPort;
    }

    public static StandaloneFlink start(Path workDirectory) throws Exception {
        int restPort = freePort();
        Path conf = Files.createDirectories(workDirectory.resolve("conf"));
        Files.writeString(
                conf.resolve("config.yaml"),
                String.join(
                        "\n",
                        "jobmanager.rpc.address: localhost",
                        "jobmanager.rpc.port: " + freePort(),
                        "jobmanager.bind-host: localhost",
                        "rest.address: localhost",
                        "rest.bind-address: localhost",
                        "rest.port: " + restPort,
                        "taskmanager.host: localhost",
                        "taskmanager.bind-host: localhost",
                        "taskmanager.numberOfTaskSlots: 2",
                        // A task manager started without Flink's scripts needs its memory spelled out.
                        "taskmanager.cpu.cores: 2",
                        "taskmanager.memory.framework.heap.size: 128m",
                        "taskmanager.memory.framework.off-heap.size: 128m",
                        "taskmanager.memory.task.heap.size: 1g",
                        "taskmanager.memory.task.off-heap.size: 0m",
                        "taskmanager.memory.network.min: 64m",
                        "taskmanager.memory.network.max: 64m",
                        "taskmanager.memory.managed.size: 256m",
                        "taskmanager.memory.jvm-metaspace.size: 256m",
                        "taskmanager.memory.jvm-overhead.min: 192m",
                        "taskmanager.memory.jvm-overhead.max: 192m",
                        // DJL from lib/, parent-first: its native library loads once per JVM (see the README).
                        "classloader.parent-first-patterns.additional: ai.djl.",
                        ""));
        String lib = clusterClasspath();
        StandaloneFlink flink = new StandaloneFlink(restPort);
        try {
            flink.launch(
                    "jobmanager",
                    "org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint",
                    lib,
                    conf,
                    workDirectory);
            flink.launch(
                    "taskmanager", "org.apache.flink.runtime.taskexecutor.TaskManagerRunner", lib, conf, workDirectory);
            flink.awaitSlots(Duration.ofSeconds(90));
        } catch (Exception e) {
            flink.close();
            throw e;
        }
        return flink;
    }

    public String restAddress() {
        return "localhost:" + restPort;
    }

    private void launch(String name, String mainClass, String classpath, Path conf, Path workDirectory)
            throws IOException {
        Path log = workDirectory.resolve(name + ".log");
        processes.add(new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-Xmx1500m",
                        "-Dai.djl.offline=true",
                        "-Dai.djl.pytorch.num_interop_threads=1",
                        "-cp",
                        classpath,
                        mainClass,
                        "--configDir",
                        conf.toString())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start());
    }

    private void awaitSlots(Duration timeout) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            for (Process process : processes) {
                if (!process.isAlive()) {
                    throw new IllegalStateException(
                            "a Flink process exited with " + process.exitValue() + "; see its log");
                }
            }
            try {
                String body = http.send(
                                HttpRequest.newBuilder(URI.create("http://" + restAddress() + "/overview"))
                                        .build(),
                                HttpResponse.BodyHandlers.ofString())
                        .body();
                if (JsonParser.parseString(body)
                                .getAsJsonObject()
                                .get("slots-total")
                                .getAsInt()
                        > 0) {
                    return;
                }
            } catch (IOException | RuntimeException notUpYet) {
                // the job manager is still starting
            }
            Thread.sleep(500);
        }
        throw new IllegalStateException("the standalone cluster did not offer a slot within " + timeout);
    }

    /**
     * The test's jars that a Flink distribution's lib/ holds too (Flink and its dependencies,
     * logging), plus DJL as the README says to add it: only jars from the Maven repository (none of
     * this project's modules), and none of what a Flink distribution lacks (Kafka, Avro, unshaded
     * Jackson, the Kafka connector, Scala for the broker).
     */
    private static String clusterClasspath() {
        String testClasspath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        Path project = Path.of("").toAbsolutePath().getParent();
        return Arrays.stream(testClasspath.split(File.pathSeparator))
                .filter(entry -> entry.endsWith(".jar")
                        && !Path.of(entry).toAbsolutePath().startsWith(project))
                .filter(entry -> NOT_IN_A_FLINK_DISTRIBUTION.stream()
                        .noneMatch(entry.replace(File.separatorChar, '/')::contains))
                .collect(Collectors.joining(File.pathSeparator));
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    @Override
    public void close() throws InterruptedException {
        for (Process process : processes) {
            process.destroy();
        }
        for (Process process : processes) {
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
    }
}
