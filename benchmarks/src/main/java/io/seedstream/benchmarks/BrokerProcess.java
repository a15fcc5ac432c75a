package io.seedstream.benchmarks;

import io.seedstream.embedded.EmbeddedKafka;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A Kafka broker (KRaft, from the Kafka jars) in a JVM of its own, on fixed ports and a kept log
 * directory, so that it can be killed ({@code kill -9}), paused ({@code SIGSTOP}) and started again
 * where its clients left it. {@link #main} is the child's entry point.
 */
final class BrokerProcess implements AutoCloseable {

    private static final String READY = "broker ready";
    private static final int START_TIMEOUT_SECONDS = 120;

    private final Path logDirectory;
    private final Path log;
    private final int brokerPort;
    private final int controllerPort;
    private Process process;

    private BrokerProcess(Path logDirectory, Path log, int brokerPort, int controllerPort) {
        this.logDirectory = logDirectory;
        this.log = log;
        this.brokerPort = brokerPort;
        this.controllerPort = controllerPort;
    }

    /** The child: a broker on the log directory and ports of its arguments, until the process ends. */
    public static void main(String[] args) throws Exception {
        EmbeddedKafka broker =
                EmbeddedKafka.start(Path.of(args[0]), Integer.parseInt(args[1]), Integer.parseInt(args[2]));
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            broker.close();
            stopped.countDown();
        }));
        System.out.println(READY);
        System.out.flush();
        stopped.await();
    }

    /** Starts a broker whose log directory is {@code logDirectory}, logging to {@code log}; returns once it is ready. */
    static BrokerProcess start(Path logDirectory, Path log) throws Exception {
        BrokerProcess broker = new BrokerProcess(logDirectory, log, freePort(), freePort());
        broker.launch();
        return broker;
    }

    String bootstrapServers() {
        return "localhost:" + brokerPort;
    }

    /** SIGKILL: the broker's log is left as a crash leaves it. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor();
    }

    /** SIGSTOP: the broker holds its connections open and answers nothing, as behind a network partition. */
    void pause() throws IOException, InterruptedException {
        signal("STOP");
    }

    /** SIGCONT after {@link #pause}. */
    void resume() throws IOException, InterruptedException {
        signal("CONT");
    }

    /** Starts the broker again on the same log directory and ports, after {@link #kill}. */
    void restart() throws Exception {
        launch();
    }

    long pid() {
        return process.pid();
    }

    private void signal(String name) throws IOException, InterruptedException {
        int exit = new ProcessBuilder("kill", "-" + name, String.valueOf(process.pid()))
                .inheritIO()
                .start()
                .waitFor();
        if (exit != 0) {
            throw new IOException("kill -" + name + " " + process.pid() + " exited with " + exit);
        }
    }

    private void launch() throws Exception {
        long logged = Files.exists(log) ? Files.size(log) : 0;
        process = new ProcessBuilder(
                        Paths.get(System.getProperty("java.home"), "bin", "java")
                                .toString(),
                        "-Xmx1g",
                        "-Dlog4j2.level=warn",
                        "-cp",
                        System.getProperty("java.class.path"),
                        BrokerProcess.class.getName(),
                        logDirectory.toString(),
                        String.valueOf(brokerPort),
                        String.valueOf(controllerPort))
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(START_TIMEOUT_SECONDS);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IOException("the broker exited with " + process.exitValue() + "; see " + log);
            }
            if (Files.size(log) > logged && tail(log, logged).contains(READY)) {
                return;
            }
            Thread.sleep(200);
        }
        throw new IOException("the broker did not start within " + START_TIMEOUT_SECONDS + " s; see " + log);
    }

    private static String tail(Path file, long from) throws IOException {
        byte[] all = Files.readAllBytes(file);
        return new String(all, (int) from, all.length - (int) from, StandardCharsets.UTF_8);
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    @Override
    public void close() throws Exception {
        if (process.isAlive()) {
            try {
                resume(); // a paused broker does not act on SIGTERM
            } catch (IOException exitedMeanwhile) {
                // nothing to resume
            }
            process.destroy();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
    }
}
