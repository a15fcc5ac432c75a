package io.seedstream.benchmarks;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import io.seedstream.flink.FlinkCluster;
import io.seedstream.flink.StandaloneFlink;
import io.seedstream.flink.common.KafkaSettings;
import io.seedstream.flink.common.KafkaWiring;
import io.seedstream.records.ConfigOptions;
import io.seedstream.records.InvalidRecordException;
import io.seedstream.records.ModelSnapshotRecord;
import io.seedstream.records.RecordCodec;
import io.seedstream.records.Topics;
import io.seedstream.records.kafka.KafkaConnection;
import io.seedstream.records.kafka.TopicSetup;
import io.seedstream.segmentation.config.SeedStreamConfig;
import io.seedstream.segmentation.data.ImageCodec;
import io.seedstream.segmentation.data.LabeledImage;
import io.seedstream.segmentation.data.SyntheticDataset;
import io.seedstream.segmentation.nn.ModelName;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.core.config.Configurator;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code seedstream bench faults}: the pipeline on a deployment of separate processes (a Kafka
 * broker, a Flink job manager and two task managers, the model server), fed by a producer of new
 * images at a steady rate while a client keeps calling the server. Faults are injected one at a
 * time, each after a stretch of steady streaming: a task manager killed and started again, the
 * broker killed and started again on its log, the broker paused for longer than the sinks'
 * transaction timeout, the server killed and started again, and an upgrade (every job stopped with
 * a savepoint and started from it). The committed seeds, read as they come, show per fault what
 * was lost, what was duplicated and how long seeds took to flow again; Flink's REST API shows
 * whether each job resumed from its state, the models topic whether the trainer went on from its
 * step.
 */
@Command(
        name = "faults",
        mixinStandardHelpOptions = true,
        description = "Inject process crashes, a broker pause and an upgrade into the pipeline on separate processes; "
                + "report lost and duplicated seeds, recovery times and the server's failed requests per fault.")
public final class FaultBench implements Callable<Integer> {

    /** The faults, in the order they are injected. */
    enum Fault {
        TASKMANAGER_KILL("taskmanager-kill"),
        BROKER_KILL("broker-kill"),
        BROKER_PAUSE("broker-pause"),
        SERVER_KILL("server-kill"),
        UPGRADE("upgrade");

        private final String option;

        Fault(String option) {
            this.option = option;
        }

        String jsonKey() {
            return name().toLowerCase();
        }

        static Fault of(String option) {
            return Stream.of(values())
                    .filter(f -> f.option.equals(option))
                    .findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("unknown fault '" + option + "'; the faults are "
                            + Stream.of(values()).map(f -> f.option).toList()));
        }
    }

    private static final Duration CHECKPOINT_INTERVAL = Duration.ofSeconds(5);
    private static final Duration SERVER_CALL_EVERY = Duration.ofMillis(250);
    private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss");

    @CommandLine.Mixin
    ConfigOptions configOptions = new ConfigOptions();

    @Option(
            names = "--faults",
            split = ",",
            description = "which faults, in this order (default: taskmanager-kill,broker-kill,broker-pause,"
                    + "server-kill,upgrade)")
    List<String> faults = Stream.of(Fault.values()).map(f -> f.option).toList();

    @Option(
            names = "--rate",
            description = "images per second streamed (default ${DEFAULT-VALUE})",
            defaultValue = "0.5")
    double rate;

    @Option(
            names = "--steady-seconds",
            description = "steady streaming before each fault (default ${DEFAULT-VALUE})",
            defaultValue = "60")
    int steadySeconds;

    @Option(
            names = "--down-seconds",
            description = "how long a killed process stays down, and the jobs between stop and start in the "
                    + "upgrade (default ${DEFAULT-VALUE})",
            defaultValue = "30")
    int downSeconds;

    @Option(
            names = "--pause-seconds",
            description = "how long the broker stays paused (default: the sinks' transaction timeout plus a minute)")
    Integer pauseSeconds;

    @Option(
            names = "--recovery-timeout-seconds",
            description = "after a fault, give up waiting for seeds and models to flow again after this long "
                    + "(default ${DEFAULT-VALUE})",
            defaultValue = "900")
    int recoveryTimeoutSeconds;

    @Option(
            names = "--task-heap",
            description = "each task manager's task heap (default ${DEFAULT-VALUE})",
            defaultValue = "2g")
    String taskHeap;

    @Option(
            names = "--job-jar",
            description = "the job jar submitted to the cluster (default ${DEFAULT-VALUE})",
            defaultValue = "${sys:seedstream.jobJar:-flink-jobs/target/seedstream-jobs.jar}")
    Path jobJar;

    @Option(
            names = "--keep",
            description = "keep the working directory (logs of every process, the broker's log, checkpoints)")
    boolean keep;

    @Option(names = "--out", required = true, description = "write the results as JSON here")
    Path out;

    /** A model snapshot as read from the models topic. */
    private record Published(String name, long version, long step, long at) {}

    /** One call of the server: when it started and whether it was answered 200. */
    private record Call(long at, boolean ok) {}

    /** A fault as it went. */
    private record Injected(
            Fault fault,
            FaultLedger.Phase phase,
            String what,
            double heldSeconds,
            boolean recovered,
            Map<String, String> jobs,
            Long trainerStepBefore,
            Long trainerStepAfter,
            int taskManagerCrashes) {}

    private final FaultLedger ledger = new FaultLedger();
    private final List<Published> published = new CopyOnWriteArrayList<>();
    private final List<Call> calls = new CopyOnWriteArrayList<>();
    private final AtomicBoolean producing = new AtomicBoolean(true);
    private final AtomicInteger undecodable = new AtomicInteger();
    private final AtomicBoolean reading = new AtomicBoolean(true);
    private final long started = System.nanoTime();

    @Override
    public Integer call() throws Exception {
        List<Fault> chosen = faults.stream().map(Fault::of).toList();
        if (rate <= 0) {
            throw new IllegalArgumentException("--rate must be positive, was " + rate);
        }
        int pause = pauseSeconds != null ? pauseSeconds : KafkaWiring.TRANSACTION_TIMEOUT_MS / 1000 + 60;
        SeedStreamConfig config = configOptions.load();
        SyntheticDataset data = new SyntheticDataset(config.synthetic());
        Topics topics = Topics.configured(config); // the server finds them by the same configuration
        Path work = Files.createTempDirectory("seedstream-faults-");
        // The clients here ride out the faults; their reconnection warnings would bury the report.
        Configurator.setLevel(Map.of("org.apache.kafka", Level.OFF, "org.apache.flink", Level.ERROR));
        say("working in " + work + (keep ? "" : " (deleted at the end; --keep keeps it)"));
        // Stopped early (Ctrl-C), the processes this run started go with it.
        Thread reaper = new Thread(() -> ProcessHandle.current().descendants().forEach(ProcessHandle::destroyForcibly));
        Runtime.getRuntime().addShutdownHook(reaper);
        List<Injected> injected = new ArrayList<>();
        FaultLedger.Phase warmUp;
        long end;
        try (BrokerProcess broker = BrokerProcess.start(work.resolve("kafka"), work.resolve("broker.log"));
                StandaloneFlink flink =
                        StandaloneFlink.start(Files.createDirectories(work.resolve("flink")), 2, taskHeap);
                FlinkCluster cluster = FlinkCluster.remote(flink.restAddress(), jobJar)) {
            // A task manager that exits by itself is started again after 10 s, as Kubernetes restarts a pod.
            flink.superviseTaskManagers(Duration.ofSeconds(10));
            KafkaConnection kafka = KafkaConnection.plain(broker.bootstrapServers());
            TopicSetup.ensure(kafka, topics, 2);
            say("broker at " + kafka.bootstrapServers() + ", Flink at " + cluster.dashboardUrl()
                    + " (job manager and two task managers: pids " + flink.pids() + ")");
            KafkaSettings settings = new KafkaSettings(kafka, topics, false);
            Map<FlinkCluster.Job, JobClient> jobs = new EnumMap<>(FlinkCluster.Job.class);
            submit(cluster, config, data, settings, work, Map.of(), jobs);
            List<Thread> threads = new ArrayList<>(List.of(
                    daemon(
                            "faults-producer",
                            () -> new SteadyImageStream(kafka, topics, data, rate, "faults")
                                    .run(producing::get, new SteadyImageStream.Listener() {
                                        @Override
                                        public void sent(String id, boolean labeled) {
                                            if (labeled) {
                                                ledger.sent(id, now());
                                            }
                                        }

                                        @Override
                                        public void acknowledged(String id, boolean labeled) {
                                            if (labeled) {
                                                ledger.acknowledged(id);
                                            }
                                        }
                                    })),
                    daemon("faults-seeds", () -> readSeeds(kafka, topics)),
                    daemon("faults-models", () -> readModels(kafka, topics))));
            say("jobs submitted; streaming " + rate + " images/s; waiting for the first segmenter");
            await(() -> latest(ModelName.SEGMENTER).isPresent(), Duration.ofMinutes(30), "the first segmenter");
            try (ServerProcess server = ServerProcess.start(
                    kafka.bootstrapServers(),
                    config,
                    0,
                    ProcessBuilder.Redirect.appendTo(work.resolve("server.log").toFile()))) {
                threads.add(daemon("faults-client", () -> callServer(server, data)));
                warmUp = new FaultLedger.Phase("warm-up", Long.MIN_VALUE, Long.MAX_VALUE, now());
                Faults injector = new Faults(broker, flink, cluster, server, jobs, config, data, settings, work, pause);
                for (Fault fault : chosen) {
                    injected.add(injector.inject(fault));
                }
                producing.set(false);
                threads.get(0).join(60_000); // the producer's close waits for its last acknowledgements
                long stopped = now();
                say("producer stopped; waiting for the last images' seeds");
                awaitQuietly(
                        () -> ledger.unseeded(Long.MAX_VALUE) == 0,
                        Duration.ofSeconds(recoveryTimeoutSeconds),
                        "every acknowledged image seeded");
                end = Math.max(now(), stopped);
            } finally {
                producing.set(false);
                reading.set(false);
                for (Thread thread : threads) {
                    thread.join(30_000);
                }
                for (JobClient job : jobs.values()) {
                    try {
                        job.cancel().get(60, TimeUnit.SECONDS);
                    } catch (Exception e) {
                        // already ended, or the cluster closes it with its processes
                    }
                }
            }
        } finally {
            if (!keep) {
                Directories.deleteRecursively(work);
            }
        }
        JsonObject json = report(chosen, injected, warmUp, end, pause);
        BenchmarkReport.writeJson(json, out);
        printTable(json, System.out);
        System.out.println("Wrote " + out);
        return 0;
    }

    /** Injects the faults, each after a stretch of steady streaming, and waits for the recovery from it. */
    private final class Faults {
        private final BrokerProcess broker;
        private final StandaloneFlink flink;
        private final FlinkCluster cluster;
        private final ServerProcess server;
        private final Map<FlinkCluster.Job, JobClient> jobs;
        private final SeedStreamConfig config;
        private final SyntheticDataset data;
        private final KafkaSettings settings;
        private final Path work;
        private final int pause;

        Faults(
                BrokerProcess broker,
                StandaloneFlink flink,
                FlinkCluster cluster,
                ServerProcess server,
                Map<FlinkCluster.Job, JobClient> jobs,
                SeedStreamConfig config,
                SyntheticDataset data,
                KafkaSettings settings,
                Path work,
                int pause) {
            this.broker = broker;
            this.flink = flink;
            this.cluster = cluster;
            this.server = server;
            this.jobs = jobs;
            this.config = config;
            this.data = data;
            this.settings = settings;
            this.work = work;
            this.pause = pause;
        }

        Injected inject(Fault fault) throws Exception {
            long start = now();
            say(fault.option + ": " + steadySeconds + " s of steady streaming first");
            Thread.sleep(TimeUnit.SECONDS.toMillis(steadySeconds));
            Long stepBefore = latest(ModelName.CLASSIFIER).map(Published::step).orElse(null);
            int crashesBefore = flink.taskManagerCrashes();
            long injectedAt = now();
            long injectedAtMs = System.currentTimeMillis();
            String what =
                    switch (fault) {
                        case TASKMANAGER_KILL -> killTaskManager();
                        case BROKER_KILL -> {
                            broker.kill();
                            sleepDown();
                            broker.restart();
                            yield "killed the broker (pid changed to " + broker.pid() + " on restart)";
                        }
                        case BROKER_PAUSE -> {
                            broker.pause();
                            say("broker paused for " + pause + " s");
                            Thread.sleep(TimeUnit.SECONDS.toMillis(pause));
                            broker.resume();
                            yield "paused the broker (SIGSTOP) for " + pause + " s";
                        }
                        case SERVER_KILL -> {
                            server.kill();
                            sleepDown();
                            server.restart();
                            yield "killed the model server";
                        }
                        case UPGRADE -> upgrade();
                    };
            double held = (now() - injectedAt) / 1e9;
            say(fault.option + ": " + what + "; waiting for seeds and models to flow again");
            boolean recovered = awaitQuietly(
                    () -> ledger.charge(new FaultLedger.Phase(fault.option, start, injectedAt, now()))
                                            .recoverySeconds()
                                    != null
                            && latestAfter(ModelName.CLASSIFIER, injectedAt).isPresent()
                            && ledger.unseeded(injectedAt) == 0
                            && serverAnswers(),
                    Duration.ofSeconds(recoveryTimeoutSeconds),
                    fault.option + ": seeds of images sent after it, a new classifier, every image sent before it"
                            + " seeded, the server answering");
            Map<String, String> resumed = new LinkedHashMap<>();
            for (Map.Entry<FlinkCluster.Job, JobClient> job : jobs.entrySet()) {
                resumed.put(job.getKey().name().toLowerCase(), resumedFrom(job.getValue(), injectedAtMs));
            }
            Long stepAfter = latestAfter(ModelName.CLASSIFIER, injectedAt)
                    .map(Published::step)
                    .orElse(null);
            return new Injected(
                    fault,
                    new FaultLedger.Phase(fault.option, start, injectedAt, now()),
                    what,
                    held,
                    recovered,
                    resumed,
                    stepBefore,
                    stepAfter,
                    flink.taskManagerCrashes() - crashesBefore);
        }

        /** Kills the task manager that runs the localization job (the one that makes seeds). */
        private String killTaskManager() throws Exception {
            Set<Integer> hosts = flink.taskManagersOf(
                    jobs.get(FlinkCluster.Job.LOCALIZATION).getJobID().toString());
            int victim = hosts.isEmpty() ? 0 : hosts.iterator().next();
            List<String> alsoThere = new ArrayList<>();
            for (Map.Entry<FlinkCluster.Job, JobClient> job : jobs.entrySet()) {
                if (flink.taskManagersOf(job.getValue().getJobID().toString()).contains(victim)) {
                    alsoThere.add(job.getKey().name().toLowerCase());
                }
            }
            flink.killTaskManager(victim);
            sleepDown();
            flink.startTaskManager(victim);
            return "killed " + StandaloneFlink.taskManagerId(victim) + " (running " + alsoThere + ")";
        }

        /** Stops every job with a savepoint, waits, and starts each from its savepoint. */
        private String upgrade() throws Exception {
            Map<FlinkCluster.Job, String> savepoints = new EnumMap<>(FlinkCluster.Job.class);
            for (Map.Entry<FlinkCluster.Job, JobClient> job : jobs.entrySet()) {
                savepoints.put(
                        job.getKey(),
                        job.getValue()
                                .stopWithSavepoint(
                                        false,
                                        work.resolve("savepoints")
                                                .resolve(job.getKey().name())
                                                .toUri()
                                                .toString(),
                                        SavepointFormatType.CANONICAL)
                                .get(5, TimeUnit.MINUTES));
            }
            sleepDown();
            submit(cluster, config, data, settings, work, savepoints, jobs);
            return "stopped the three jobs with savepoints and started them from those";
        }

        private String resumedFrom(JobClient job, long sinceMs) {
            try {
                Optional<FlinkCluster.Restore> restore = cluster.latestRestore(job);
                if (restore.isPresent() && restore.get().restoredAtMs() >= sinceMs) {
                    return (restore.get().savepoint() ? "restored its savepoint" : "restored checkpoint ")
                            + (restore.get().savepoint() ? "" : restore.get().checkpointId());
                }
                return "kept running";
            } catch (IOException e) {
                return "unknown (" + e.getMessage() + ")";
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return "unknown";
            }
        }

        private void sleepDown() throws InterruptedException {
            Thread.sleep(TimeUnit.SECONDS.toMillis(downSeconds));
        }
    }

    /** Submits the three jobs into {@code jobs}, each from its savepoint in {@code savepoints} if it has one. */
    private static void submit(
            FlinkCluster cluster,
            SeedStreamConfig config,
            SyntheticDataset data,
            KafkaSettings settings,
            Path work,
            Map<FlinkCluster.Job, String> savepoints,
            Map<FlinkCluster.Job, JobClient> jobs)
            throws Exception {
        URI checkpoints = work.resolve("checkpoints").toUri();
        for (FlinkCluster.Job job : FlinkCluster.Job.values()) {
            jobs.put(
                    job,
                    cluster.submit(
                            job,
                            config,
                            data.classes(),
                            settings,
                            CHECKPOINT_INTERVAL,
                            job.checkpoints(checkpoints),
                            savepoints.get(job)));
        }
    }

    /** Every committed seed record, once each as stored (a record read again after a reconnection counts once). */
    private void readSeeds(KafkaConnection kafka, Topics topics) {
        readCommitted(kafka, topics.seeds(), record -> {
            try {
                ledger.seeded(
                        RecordCodec.SEED.decode(record.value()).getImageId().toString(), now());
            } catch (InvalidRecordException e) { // counted and reported; the reader goes on
                undecodable.incrementAndGet();
            }
        });
    }

    private void readModels(KafkaConnection kafka, Topics topics) {
        readCommitted(kafka, topics.models(), record -> {
            try {
                ModelSnapshotRecord model = RecordCodec.MODEL_SNAPSHOT.decode(record.value());
                published.add(
                        new Published(model.getName().toString(), model.getVersion(), model.getTrainingStep(), now()));
            } catch (InvalidRecordException e) {
                undecodable.incrementAndGet();
            }
        });
    }

    private void readCommitted(KafkaConnection kafka, String topic, Consumer<ConsumerRecord<byte[], byte[]>> handle) {
        Set<String> seen = new HashSet<>();
        try (KafkaConsumer<byte[], byte[]> consumer = KafkaWiring.committedReader(kafka, "faults-")) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(topic, p.partition()))
                    .toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            while (reading.get()) {
                try {
                    for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(500))) {
                        if (seen.add(record.partition() + "@" + record.offset())) {
                            handle.accept(record);
                        }
                    }
                } catch (KafkaException e) {
                    // the broker is down or paused: the consumer reconnects, its positions kept
                }
            }
        }
    }

    /** The bounded client: one segmentation every 250 ms, each given 10 s. */
    private void callServer(ServerProcess server, SyntheticDataset data) {
        HttpClient http =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        LabeledImage image = data.image(0);
        byte[] png;
        try {
            png = ImageCodec.encodePng(image.width(), image.height(), image.rgb());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        while (reading.get()) {
            long at = now();
            boolean ok = server.segment(http, png, Duration.ofSeconds(10)) == 200;
            calls.add(new Call(at, ok));
            try {
                Thread.sleep(Math.max(0, SERVER_CALL_EVERY.toMillis() - (now() - at) / 1_000_000));
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** Whether the server answered the client's latest call. */
    private boolean serverAnswers() {
        return !calls.isEmpty() && calls.get(calls.size() - 1).ok();
    }

    private Optional<Published> latest(ModelName name) {
        return latestAfter(name, Long.MIN_VALUE);
    }

    private Optional<Published> latestAfter(ModelName name, long after) {
        return published.stream()
                .filter(p -> p.name().equals(name.id()) && p.at() >= after)
                .max(Comparator.comparingLong(Published::version));
    }

    /** Each model's versions are 1, 2, 3, ... once each, with its training steps growing. */
    private boolean versionsContinue() {
        Map<String, List<Published>> byName = new LinkedHashMap<>();
        published.forEach(
                p -> byName.computeIfAbsent(p.name(), n -> new ArrayList<>()).add(p));
        for (List<Published> versions : byName.values()) {
            versions.sort(Comparator.comparingLong(Published::version));
            for (int i = 0; i < versions.size(); i++) {
                if (versions.get(i).version() != i + 1
                        || (i > 0
                                && versions.get(i).step() <= versions.get(i - 1).step())) {
                    return false;
                }
            }
        }
        return true;
    }

    private JsonObject report(
            List<Fault> chosen, List<Injected> injected, FaultLedger.Phase warmUp, long end, int pause) {
        JsonObject json = new JsonObject();
        json.addProperty("benchmark", "faults");
        json.addProperty("cores", Runtime.getRuntime().availableProcessors());
        json.addProperty("rate_images_per_s", rate);
        json.addProperty("checkpoint_interval_s", CHECKPOINT_INTERVAL.toSeconds());
        json.addProperty("down_s", downSeconds);
        json.addProperty("broker_pause_s", pause);
        json.addProperty("transaction_timeout_s", KafkaWiring.TRANSACTION_TIMEOUT_MS / 1000);
        JsonObject warm = new JsonObject();
        FaultLedger.Charge warmCharge = ledger.charge(warmUp);
        warm.addProperty("sent", warmCharge.sent());
        warm.addProperty("lost", warmCharge.lost());
        warm.addProperty("duplicated", warmCharge.duplicated());
        json.add("warm_up", warm);
        // The pipeline's latency without faults: images sent in the steady stretch before each fault.
        List<Double> latencies = new ArrayList<>();
        injected.forEach(fault -> latencies.addAll(
                ledger.latencies(fault.phase().start(), fault.phase().injected())));
        JsonObject steady = new JsonObject();
        steady.addProperty("images", latencies.size());
        steady.add("seed_latency_p50_s", number(percentile(latencies, 0.5)));
        steady.add("seed_latency_p95_s", number(percentile(latencies, 0.95)));
        json.add("steady", steady);
        json.addProperty("undecodable_records", undecodable.get());
        JsonObject faultsJson = new JsonObject();
        for (int i = 0; i < injected.size(); i++) {
            Injected fault = injected.get(i);
            long phaseEnd =
                    i + 1 < injected.size() ? injected.get(i + 1).phase().start() : end;
            FaultLedger.Phase phase = new FaultLedger.Phase(
                    fault.phase().name(), fault.phase().start(), fault.phase().injected(), phaseEnd);
            JsonObject entry = faultEntry(fault, phase);
            if (fault.fault() == Fault.UPGRADE) {
                json.add("upgrade", entry);
            } else {
                faultsJson.add(fault.fault().jsonKey(), entry);
            }
        }
        json.add("faults", faultsJson);
        JsonObject totals = new JsonObject();
        FaultLedger.Charge all =
                ledger.charge(new FaultLedger.Phase("all", Long.MIN_VALUE, Long.MAX_VALUE, Long.MAX_VALUE));
        totals.addProperty("sent", all.sent());
        totals.addProperty("acknowledged", ledger.acknowledgedCount());
        totals.addProperty("seed_records", ledger.seedRecords());
        totals.addProperty("lost", all.lost());
        totals.addProperty("duplicated", all.duplicated());
        totals.addProperty("model_versions_continue", versionsContinue());
        json.add("totals", totals);
        JsonArray order = new JsonArray();
        chosen.forEach(f -> order.add(f.option));
        json.add("order", order);
        return json;
    }

    private JsonObject faultEntry(Injected fault, FaultLedger.Phase phase) {
        FaultLedger.Charge charge = ledger.charge(phase);
        JsonObject entry = new JsonObject();
        entry.addProperty("what", fault.what());
        entry.addProperty("held_s", round(fault.heldSeconds()));
        entry.addProperty("sent", charge.sent());
        entry.addProperty("unacknowledged", charge.unacknowledged());
        entry.addProperty("lost", charge.lost());
        entry.addProperty("duplicated", charge.duplicated());
        entry.add("recovery_s", number(charge.recoverySeconds()));
        entry.addProperty("recovered", fault.recovered());
        entry.addProperty("taskmanager_crashes", fault.taskManagerCrashes());
        JsonObject jobs = new JsonObject();
        fault.jobs().forEach(jobs::addProperty);
        entry.add("jobs", jobs);
        entry.addProperty("trainer_step_before", fault.trainerStepBefore());
        entry.addProperty("trainer_step_after", fault.trainerStepAfter());
        entry.addProperty(
                "trainer_resumed",
                fault.trainerStepBefore() != null
                        && fault.trainerStepAfter() != null
                        && fault.trainerStepAfter() > fault.trainerStepBefore());
        List<Call> during = calls.stream()
                .filter(c -> c.at() >= phase.injected() && c.at() < phase.end())
                .toList();
        entry.addProperty("server_requests", during.size());
        entry.addProperty("server_failed", during.stream().filter(c -> !c.ok()).count());
        entry.add("server_recovery_s", number(serverRecovery(during, phase.injected())));
        return entry;
    }

    /** From the injection to the first answered call after the last failed one; null when none failed. */
    private static Double serverRecovery(List<Call> during, long injected) {
        long lastFailed = -1;
        for (Call call : during) {
            if (!call.ok()) {
                lastFailed = call.at();
            }
        }
        if (lastFailed < 0) {
            return null;
        }
        for (Call call : during) {
            if (call.ok() && call.at() > lastFailed) {
                return (call.at() - injected) / 1e9;
            }
        }
        return null;
    }

    private static void printTable(JsonObject json, PrintStream out) {
        out.println();
        out.printf(
                "%-18s %7s %6s %6s %6s %8s %11s %14s %10s  %s%n",
                "fault",
                "held s",
                "sent",
                "lost",
                "dup",
                "unacked",
                "recovery s",
                "server failed",
                "TM crashes",
                "jobs");
        List<Map.Entry<String, JsonObject>> rows = new ArrayList<>();
        json.getAsJsonObject("faults")
                .entrySet()
                .forEach(e -> rows.add(Map.entry(e.getKey(), e.getValue().getAsJsonObject())));
        if (json.has("upgrade")) {
            rows.add(Map.entry("upgrade", json.getAsJsonObject("upgrade")));
        }
        for (Map.Entry<String, JsonObject> row : rows) {
            JsonObject e = row.getValue();
            out.printf(
                    "%-18s %7.0f %6d %6d %6d %8d %11s %8d/%-5d %10d  %s%n",
                    row.getKey(),
                    e.get("held_s").getAsDouble(),
                    e.get("sent").getAsInt(),
                    e.get("lost").getAsInt(),
                    e.get("duplicated").getAsInt(),
                    e.get("unacknowledged").getAsInt(),
                    e.get("recovery_s").isJsonNull()
                            ? "-"
                            : String.format("%.1f", e.get("recovery_s").getAsDouble()),
                    e.get("server_failed").getAsInt(),
                    e.get("server_requests").getAsInt(),
                    e.get("taskmanager_crashes").getAsInt(),
                    e.get("jobs"));
        }
        JsonObject steady = json.getAsJsonObject("steady");
        out.printf(
                "%nbetween faults: seed latency p50 %s s, p95 %s s (%s images); in all %s%n",
                steady.get("seed_latency_p50_s"),
                steady.get("seed_latency_p95_s"),
                steady.get("images"),
                json.get("totals"));
    }

    private static JsonElement number(Double value) {
        return value == null ? JsonNull.INSTANCE : new JsonPrimitive(round(value));
    }

    private static double round(double value) {
        return Math.round(value * 10) / 10.0;
    }

    private static Double percentile(List<Double> values, double q) {
        if (values.isEmpty()) {
            return null;
        }
        List<Double> sorted = values.stream().sorted().toList();
        return sorted.get((int) Math.min(sorted.size() - 1, Math.ceil(q * sorted.size()) - 1));
    }

    private static Thread daemon(String name, Runnable body) {
        Thread thread = new Thread(body, name);
        thread.setDaemon(true);
        thread.start();
        return thread;
    }

    private void await(BooleanSupplier condition, Duration timeout, String what) throws InterruptedException {
        if (!awaitQuietly(condition, timeout, what)) {
            throw new IllegalStateException("gave up after " + timeout.toMinutes() + " min waiting for " + what);
        }
    }

    /** Waits for the condition, with a status line every 30 s; false when the time ran out. */
    private boolean awaitQuietly(BooleanSupplier condition, Duration timeout, String what) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        long nextStatus = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                say("gave up waiting for " + what);
                return false;
            }
            if (System.nanoTime() > nextStatus) {
                say("waiting for " + what + ": " + status());
                nextStatus += TimeUnit.SECONDS.toNanos(30);
            }
            Thread.sleep(500);
        }
        return true;
    }

    private String status() {
        return String.format(
                "acknowledged %d, seed records %d, unseeded %d, classifier %s, segmenter %s",
                ledger.acknowledgedCount(),
                ledger.seedRecords(),
                ledger.unseeded(Long.MAX_VALUE),
                latest(ModelName.CLASSIFIER)
                        .map(p -> "v" + p.version() + "@" + p.step())
                        .orElse("-"),
                latest(ModelName.SEGMENTER).map(p -> "v" + p.version()).orElse("-"));
    }

    private void say(String line) {
        System.err.printf(
                "faults [%s, +%.0f s] %s%n", LocalTime.now().format(CLOCK), (System.nanoTime() - started) / 1e9, line);
    }

    private static long now() {
        return System.nanoTime();
    }
}
