package io.seedstream.embedded;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.BindException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Exit;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;

/**
 * A real single-node Kafka broker (KRaft, broker and controller in one process, no ZooKeeper)
 * inside this JVM, on free local ports: the default of the local run and of the integration tests.
 * Its log directory is either temporary (deleted on close) or kept ({@link #start(Path)}): a broker
 * started again on a kept directory has every topic, offset and transaction of the last one.
 * Set for one node: replication factor 1 and {@code transaction.state.log.min.isr = 1}, without
 * which transactions hang.
 */
public final class EmbeddedKafka implements AutoCloseable {

    private static final int NODE_ID = 1;
    private static final int START_ATTEMPTS = 3;

    /**
     * A SASL_SSL listener beside the plaintext one, as a secured cluster offers its clients: TLS with
     * the PKCS12 {@code keystore}, and SCRAM-SHA-512 logins of {@code users} (name to password).
     */
    public record SaslSsl(Path keystore, String keystorePassword, Map<String, String> users) {}

    private final Path dataDir;
    private final boolean temporary;
    private final int brokerPort;
    private final int saslSslPort;
    private final KafkaRaftServer server;

    private EmbeddedKafka(Path dataDir, boolean temporary, int brokerPort, int saslSslPort, KafkaRaftServer server) {
        this.dataDir = dataDir;
        this.temporary = temporary;
        this.brokerPort = brokerPort;
        this.saslSslPort = saslSslPort;
        this.server = server;
    }

    /** Starts a broker on a fresh temporary log directory, deleted on close; returns once it accepts clients (about 3 s). */
    public static EmbeddedKafka start() throws Exception {
        return start(null);
    }

    /**
     * Starts a broker whose log directory is {@code logDirectory}, kept on close; formatted first when
     * it holds no broker yet. The ports are new each time: clients find the broker by {@link #bootstrapServers()}.
     */
    public static EmbeddedKafka start(Path logDirectory) throws Exception {
        return start(logDirectory, null);
    }

    /**
     * Starts a broker on {@code logDirectory} (kept, formatted first when new) listening on the given
     * ports, so that a broker started again after a crash is where its clients left it.
     */
    public static EmbeddedKafka start(Path logDirectory, int brokerPort, int controllerPort) throws Exception {
        preventHalt();
        return startOn(logDirectory, brokerPort, controllerPort, 0, null);
    }

    /** A broker on a temporary log directory that also listens for SASL_SSL clients ({@link #saslSslBootstrapServers()}). */
    public static EmbeddedKafka startWithSaslSsl(SaslSsl saslSsl) throws Exception {
        return start(null, saslSsl);
    }

    private static EmbeddedKafka start(Path logDirectory, SaslSsl saslSsl) throws Exception {
        preventHalt();
        for (int attempt = 1; ; attempt++) {
            try {
                return startOn(logDirectory, freePort(), freePort(), saslSsl == null ? 0 : freePort(), saslSsl);
            } catch (Exception e) {
                // A free port is check-then-use: another process may take it in between.
                if (attempt >= START_ATTEMPTS || !(causedByBind(e) || e instanceof IllegalStateException)) {
                    throw e;
                }
            }
        }
    }

    /**
     * Kafka's fatal-fault handlers halt the JVM (e.g. when the controller port is taken), which would
     * kill the whole job or test run: make them throw instead.
     */
    private static void preventHalt() {
        Exit.setHaltProcedure((code, message) -> {
            throw new IllegalStateException("Kafka requested Runtime.halt(" + code + "): " + message);
        });
        Exit.setExitProcedure((code, message) -> {
            throw new IllegalStateException("Kafka requested System.exit(" + code + "): " + message);
        });
    }

    public String bootstrapServers() {
        return "localhost:" + brokerPort;
    }

    /** The SASL_SSL listener's address; only for a broker started {@link #startWithSaslSsl with one}. */
    public String saslSslBootstrapServers() {
        if (saslSslPort == 0) {
            throw new IllegalStateException("this broker has no SASL_SSL listener");
        }
        return "localhost:" + saslSslPort;
    }

    private static EmbeddedKafka startOn(
            Path logDirectory, int brokerPort, int controllerPort, int saslSslPort, SaslSsl saslSsl) throws Exception {
        boolean temporary = logDirectory == null;
        Path dataDir =
                temporary ? Files.createTempDirectory("seedstream-kafka-") : Files.createDirectories(logDirectory);
        String logDir = dataDir.toAbsolutePath().toString();
        Map<String, String> p = new HashMap<>();
        p.put("process.roles", "broker,controller");
        p.put("node.id", String.valueOf(NODE_ID));
        p.put("controller.quorum.voters", NODE_ID + "@localhost:" + controllerPort);
        String secured = saslSsl == null ? "" : ",SASL_SSL://localhost:" + saslSslPort;
        p.put(
                "listeners",
                "PLAINTEXT://localhost:" + brokerPort + ",CONTROLLER://localhost:" + controllerPort + secured);
        p.put("advertised.listeners", "PLAINTEXT://localhost:" + brokerPort + secured);
        p.put("controller.listener.names", "CONTROLLER");
        p.put("inter.broker.listener.name", "PLAINTEXT");
        p.put(
                "listener.security.protocol.map",
                "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT" + (saslSsl == null ? "" : ",SASL_SSL:SASL_SSL"));
        if (saslSsl != null) {
            p.put("sasl.enabled.mechanisms", "SCRAM-SHA-512");
            p.put(
                    "listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config",
                    "org.apache.kafka.common.security.scram.ScramLoginModule required;");
            p.put("listener.name.sasl_ssl.ssl.keystore.type", "PKCS12");
            p.put(
                    "listener.name.sasl_ssl.ssl.keystore.location",
                    saslSsl.keystore().toAbsolutePath().toString());
            p.put("listener.name.sasl_ssl.ssl.keystore.password", saslSsl.keystorePassword());
            p.put("listener.name.sasl_ssl.ssl.key.password", saslSsl.keystorePassword());
        }
        p.put("log.dirs", logDir);
        p.put("offsets.topic.replication.factor", "1");
        p.put("offsets.topic.num.partitions", "1"); // the default 50 makes the first consumer group slow
        p.put("transaction.state.log.replication.factor", "1");
        p.put("transaction.state.log.min.isr", "1");
        p.put("transaction.state.log.num.partitions", "1");
        p.put("share.coordinator.state.topic.replication.factor", "1");
        p.put("share.coordinator.state.topic.min.isr", "1");
        p.put("group.initial.rebalance.delay.ms", "0");
        p.put("log.cleaner.dedupe.buffer.size", "2097152"); // the default reserves 128 MiB of heap
        p.put("message.max.bytes", String.valueOf(64 << 20)); // model snapshots
        KafkaConfig config = new KafkaConfig(p, false);
        if (!Files.exists(
                dataDir.resolve("meta.properties"))) { // a kept directory is formatted once, with its cluster id
            new Formatter()
                    .setPrintStream(new PrintStream(OutputStream.nullOutputStream()))
                    .setNodeId(NODE_ID)
                    .setClusterId(Uuid.randomUuid().toString())
                    .setControllerListenerName("CONTROLLER")
                    // Transactions as before KIP-890: version 2 bumps a producer's epoch at every commit, so
                    // Flink's Kafka sink (5.0.0-2.2), re-committing a restored checkpoint's transaction that
                    // was committed before the stop, is refused as fenced and logs it as likely data loss
                    // (FLINK-40689); under version 1 that second commit is the no-op it is meant to be.
                    .setFeatureLevel("transaction.version", (short) 1)
                    .setScramArguments(scramUsers(saslSsl))
                    .addDirectory(logDir)
                    .setMetadataLogDirectory(logDir)
                    .run();
        }
        KafkaRaftServer server = new KafkaRaftServer(config, Time.SYSTEM);
        try {
            server.startup();
        } catch (Throwable t) {
            server.shutdown();
            if (temporary) {
                deleteRecursively(dataDir);
            }
            throw t;
        }
        return new EmbeddedKafka(dataDir, temporary, brokerPort, saslSslPort, server);
    }

    /** kafka-storage's --add-scram arguments: the users' SCRAM-SHA-512 credentials, in the metadata from the start. */
    private static List<String> scramUsers(SaslSsl saslSsl) {
        List<String> arguments = new ArrayList<>();
        if (saslSsl != null) {
            saslSsl.users()
                    .forEach((name, password) ->
                            arguments.add("SCRAM-SHA-512=[name=" + name + ",password=" + password + "]"));
        }
        return arguments;
    }

    @Override
    public void close() {
        try {
            server.shutdown();
            server.awaitShutdown();
        } finally {
            if (temporary) {
                deleteRecursively(dataDir);
            }
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    private static boolean causedByBind(Throwable t) {
        for (; t != null; t = t.getCause()) {
            if (t instanceof BindException) {
                return true;
            }
        }
        return false;
    }

    private static void deleteRecursively(Path dir) {
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException e) {
            // a leftover temporary directory is harmless
        }
    }
}
