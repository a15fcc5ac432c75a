package io.seedstream.flink;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
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
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

/**
 * A standalone Flink session cluster in processes of its own, a job manager and {@code n} task
 * managers, started from Flink's own entry points as Flink's scripts start them. Their class path
 * plays the part of the distribution's {@code lib/} with DJL added (this JVM's jars less this
 * project's and less what a Flink distribution lacks), so a job only runs if its jar brings the
 * rest. A task manager can be killed ({@code kill -9}) and started again, as a crashed pod would be;
 * {@link #superviseTaskManagers} restarts one that exits by itself, as Kubernetes restarts a pod.
 */
public final class StandaloneFlink implements AutoCloseable {

    private static final List<String> NOT_IN_A_FLINK_DISTRIBUTION = List.of(
            "/io/seedstream/",
            "/org/apache/kafka/",
            "/org/apache/flink/flink-connector-kafka/",
            "/org/apache/avro/",
            "/com/fasterxml/jackson/",
            "/org/scala-lang/");

    private final Path workDirectory;
    private final Path conf;
    private final String classpath;
    private final int restPort;
    private final String taskHeap;
    private final HttpClient http = HttpClient.newHttpClient();
    private Process jobManager;
    private final List<Process> taskManagers = new CopyOnWriteArrayList<>();
    /** Task managers killed on purpose, not to be restarted by the supervisor. */
    private final Set<Integer> killed = ConcurrentHashMap.newKeySet();

    private final AtomicInteger crashes = new AtomicInteger();
    private volatile Thread supervisor;

    private StandaloneFlink(Path workDirectory, Path conf, String classpath, int restPort, String taskHeap) {
        this.workDirectory = workDirectory;
        this.conf = conf;
        this.classpath = classpath;
        this.restPort = restPort;
        this.taskHeap = taskHeap;
    }

    /** A job manager and one task manager with two slots and 1 GB of task heap. */
    public static StandaloneFlink start(Path workDirectory) throws Exception {
        return start(workDirectory, 1, "1g");
    }

    /**
     * A job manager and {@code taskManagers} task managers of two slots each, with {@code taskHeap}
     * (e.g. {@code 2g}) of task heap each; returns once all their slots are registered. Each
     * process logs to {@code <name>.log} in {@code workDirectory}.
     */
    public static StandaloneFlink start(Path workDirectory, int taskManagers, String taskHeap) throws Exception {
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
                        "taskmanager.memory.task.heap.size: " + taskHeap,
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
        StandaloneFlink flink = new StandaloneFlink(workDirectory, conf, clusterClasspath(), restPort, taskHeap);
        try {
            flink.jobManager = flink.launch(
                    "jobmanager", "org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint", "1g");
            for (int i = 0; i < taskManagers; i++) {
                flink.taskManagers.add(null);
                flink.startTaskManager(i);
            }
            flink.awaitSlots(2 * taskManagers, Duration.ofSeconds(90));
        } catch (Exception e) {
            flink.close();
            throw e;
        }
        return flink;
    }

    /** The job manager's REST endpoint, host:port. */
    public String restAddress() {
        return "localhost:" + restPort;
    }

    /** Task manager {@code i}'s resource id, as the REST API names it. */
    public static String taskManagerId(int i) {
        return "taskmanager-" + i;
    }

    /** The task managers running a task of the job now, by index. */
    public Set<Integer> taskManagersOf(String jobId) throws IOException, InterruptedException {
        Set<Integer> hosts = new LinkedHashSet<>();
        JsonObject job = get("/jobs/" + jobId);
        for (JsonElement vertex : job.getAsJsonArray("vertices")) {
            String vertexId = vertex.getAsJsonObject().get("id").getAsString();
            JsonObject placement = get("/jobs/" + jobId + "/vertices/" + vertexId + "/taskmanagers");
            for (JsonElement taskManager : placement.getAsJsonArray("taskmanagers")) {
                String id = taskManager.getAsJsonObject().get("taskmanager-id").getAsString();
                for (int i = 0; i < taskManagers.size(); i++) {
                    if (id.equals(taskManagerId(i))) {
                        hosts.add(i);
                    }
                }
            }
        }
        return hosts;
    }

    /** Kills task manager {@code i} with SIGKILL, as the kernel's OOM killer or a lost node would. */
    public void killTaskManager(int i) throws InterruptedException {
        Process process;
        synchronized (this) {
            killed.add(i);
            process = taskManagers.get(i);
        }
        process.destroyForcibly();
        process.waitFor();
    }

    /** Starts task manager {@code i} again (after {@link #killTaskManager}), under the same resource id. */
    public synchronized void startTaskManager(int i) throws IOException {
        taskManagers.set(
                i,
                launch(
                        taskManagerId(i),
                        "org.apache.flink.runtime.taskexecutor.TaskManagerRunner",
                        heapWithFramework(),
                        "-D",
                        "taskmanager.resource-id=" + taskManagerId(i)));
        killed.remove(i); // only now: until the new process is in place, the old dead one was killed on purpose
    }

    /**
     * From now on, a task manager that exits by itself (Flink stops one on a fatal error, for
     * instance when a Kafka transaction cannot be aborted while the broker does not answer) is
     * started again after {@code delay}, as Kubernetes restarts a failed pod; counted in
     * {@link #taskManagerCrashes}. Its log goes on in the same file.
     */
    public void superviseTaskManagers(Duration delay) {
        Thread thread = new Thread(
                () -> {
                    try {
                        while (!Thread.currentThread().isInterrupted()) {
                            for (int i = 0; i < taskManagers.size(); i++) {
                                Process seen = taskManagers.get(i);
                                if (!seen.isAlive() && !killed.contains(i)) {
                                    crashes.incrementAndGet();
                                    Thread.sleep(delay.toMillis());
                                    restartIfStillDead(i, seen);
                                }
                            }
                            Thread.sleep(1000);
                        }
                    } catch (InterruptedException e) {
                        // closing
                    }
                },
                "task-manager-supervisor");
        thread.setDaemon(true);
        thread.start();
        supervisor = thread;
    }

    /** Unless someone killed or started it meanwhile, starts the task manager whose dead process was {@code seen}. */
    private synchronized void restartIfStillDead(int i, Process seen) {
        if (taskManagers.get(i) != seen || killed.contains(i)) {
            return;
        }
        try {
            startTaskManager(i);
        } catch (IOException e) { // tried again at the next round
            System.err.println("could not start " + taskManagerId(i) + " again: " + e.getMessage());
        }
    }

    /** Task managers that exited by themselves since {@link #superviseTaskManagers}. */
    public int taskManagerCrashes() {
        return crashes.get();
    }

    /** The process ids: the job manager's first, then the task managers'. */
    public List<Long> pids() {
        return processes().stream().map(Process::pid).toList();
    }

    private String heapWithFramework() {
        // -Xmx: the task heap plus the framework's 128m, and room for what Flink does not account.
        long megabytes = megabytes(taskHeap) + 128 + 384;
        return megabytes + "m";
    }

    private static long megabytes(String size) {
        String s = size.trim().toLowerCase();
        long number = Long.parseLong(s.replaceAll("[^0-9]", ""));
        return s.endsWith("g") ? number * 1024 : number;
    }

    private Process launch(String name, String mainClass, String maxHeap, String... arguments) throws IOException {
        Path log = workDirectory.resolve(name + ".log");
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx" + maxHeap,
                "-Dai.djl.offline=true",
                "-Dai.djl.pytorch.num_interop_threads=1",
                "-cp",
                classpath,
                mainClass,
                "--configDir",
                conf.toString()));
        command.addAll(Arrays.asList(arguments));
        return new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .start();
    }

    private void awaitSlots(int slots, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            for (Process process : processes()) {
                if (!process.isAlive()) {
                    throw new IllegalStateException(
                            "a Flink process exited with " + process.exitValue() + "; see its log in " + workDirectory);
                }
            }
            try {
                if (get("/overview").get("slots-total").getAsInt() >= slots) {
                    return;
                }
            } catch (IOException | RuntimeException notUpYet) {
                // the job manager is still starting
            }
            Thread.sleep(500);
        }
        throw new IllegalStateException("the standalone cluster did not offer " + slots + " slots within " + timeout);
    }

    private List<Process> processes() {
        List<Process> all = new ArrayList<>();
        all.add(jobManager);
        all.addAll(taskManagers);
        all.removeIf(Objects::isNull);
        return all;
    }

    private JsonObject get(String path) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://" + restAddress() + path))
                .timeout(Duration.ofSeconds(10))
                .build();
        return JsonParser.parseString(
                        http.send(request, HttpResponse.BodyHandlers.ofString()).body())
                .getAsJsonObject();
    }

    /**
     * The jars a Flink distribution's lib/ holds too (Flink and its dependencies, logging), plus DJL
     * as the README says to add it: only jars from the Maven repository (none of this project's
     * modules, nor a module's jar in its {@code target/}), and none of what a Flink distribution lacks
     * (Kafka, Avro, unshaded Jackson, the Kafka connector, Scala for the broker).
     */
    private static String clusterClasspath() {
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        return Arrays.stream(classpath.split(File.pathSeparator))
                .filter(entry -> entry.endsWith(".jar")
                        && !"target"
                                .equals(Path.of(entry)
                                        .toAbsolutePath()
                                        .getParent()
                                        .getFileName()
                                        .toString()))
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
        Thread watching = supervisor;
        if (watching != null) {
            watching.interrupt();
            watching.join(10_000);
        }
        List<Process> all = processes();
        for (Process process : all) {
            process.destroy();
        }
        for (Process process : all) {
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
    }
}
