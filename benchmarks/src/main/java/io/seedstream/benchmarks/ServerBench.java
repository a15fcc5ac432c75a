package io.seedstream.benchmarks;

import com.google.gson.GsonBuilder;
import io.seedstream.embedded.EmbeddedKafka;
import io.seedstream.flink.common.ModelRecords;
import io.seedstream.records.ConfigOptions;
import io.seedstream.records.Topics;
import io.seedstream.records.kafka.KafkaClients;
import io.seedstream.records.kafka.KafkaConnection;
import io.seedstream.records.kafka.TopicSetup;
import io.seedstream.segmentation.config.SeedStreamConfig;
import io.seedstream.segmentation.data.ImageCodec;
import io.seedstream.segmentation.data.LabeledImage;
import io.seedstream.segmentation.data.SyntheticDataset;
import io.seedstream.segmentation.nn.ModelName;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code seedstream bench server}: load on the model server from this process, the server in a
 * JVM of its own, over loopback. One server per maximum batch size; clients keep twice that many
 * requests in flight so that batches can fill. The swap run publishes a new segmenter every
 * {@code --swap-every-ms} while the load runs and counts failed requests.
 */
@Command(
        name = "server",
        mixinStandardHelpOptions = true,
        description =
                "Measure the model server under load from a second process on loopback: requests/s and p50/p99 latency of "
                        + "POST /v1/segment at maximum batch sizes 1, 8 and 32, and during model swaps.")
public final class ServerBench implements Callable<Integer> {

    @CommandLine.Mixin
    ConfigOptions configOptions = new ConfigOptions();

    @Option(
            names = "--batch-sizes",
            split = ",",
            description = "server.maxBatchSize values (default ${DEFAULT-VALUE})",
            defaultValue = "1,8,32")
    List<Integer> batchSizes;

    @Option(
            names = "--seconds",
            description = "measured seconds per run, after a warm-up of a third of it (default ${DEFAULT-VALUE})",
            defaultValue = "15")
    int seconds;

    @Option(
            names = "--swap-every-ms",
            description = "in the swap run, a new segmenter every this many ms (default ${DEFAULT-VALUE})",
            defaultValue = "1000")
    int swapEveryMs;

    @Option(
            names = "--large-uploads",
            negatable = true,
            defaultValue = "true",
            description = "also run the large-upload load, with admission by pixels and without (default on)")
    boolean largeUploads;

    @Option(
            names = "--large-clients",
            description = "clients posting large images at once in that load (default ${DEFAULT-VALUE})",
            defaultValue = "48")
    int largeClients;

    @Option(
            names = "--large-side",
            description = "side of the large, all-black PNGs (default ${DEFAULT-VALUE}, about 12 KB each)",
            defaultValue = "2048")
    int largeSide;

    @Option(names = "--out", description = "write the results as JSON here")
    Path out;

    /** One measured run. */
    record Run(
            String name,
            int maxBatchSize,
            int clients,
            int requests,
            int failed,
            double requestsPerSecond,
            Double p50Ms,
            Double p99Ms,
            double meanBatch,
            int swaps) {}

    /**
     * The large-upload load: {@code clients} keep posting large images while one probe posts a small
     * one every 250 ms and another polls readiness; the server's resident memory is sampled alike.
     */
    record LargeRun(
            String name,
            long maxPixelsInFlight,
            int clients,
            int largeSide,
            int largeOk,
            int largeBusy,
            int largeFailed,
            int probes,
            int probesFailed,
            Double probeP50Ms,
            Double probeP99Ms,
            Double readyShare,
            Double rssBeforeMb,
            Double rssPeakMb,
            boolean serverSurvived) {}

    @Override
    public Integer call() throws Exception {
        SeedStreamConfig config = configOptions.load();
        SyntheticDataset data = new SyntheticDataset(config.synthetic());
        List<byte[]> images = new ArrayList<>();
        for (int i = 0; i < 64; i++) {
            LabeledImage image = data.image(i);
            images.add(ImageCodec.encodePng(image.width(), image.height(), image.rgb()));
        }
        Topics topics = Topics.configured(config);
        List<Run> runs = new ArrayList<>();
        List<LargeRun> largeRuns = new ArrayList<>();
        try (EmbeddedKafka kafka = EmbeddedKafka.start();
                KafkaProducer<byte[], byte[]> producer =
                        KafkaClients.producer(KafkaConnection.plain(kafka.bootstrapServers()))) {
            TopicSetup.ensure(KafkaConnection.plain(kafka.bootstrapServers()), topics, 1);
            AtomicInteger version = new AtomicInteger();
            Runnable publish = () -> publishSegmenter(producer, topics, config, data, version.incrementAndGet());
            publish.run();
            for (int batch : batchSizes) {
                try (ServerProcess server = serverProcess(kafka, config, batch)) {
                    runs.add(load(server, "batch " + batch, batch, images, null));
                    if (batch == 8) {
                        runs.add(load(server, "batch 8 during swaps", batch, images, publish));
                    }
                }
            }
            if (largeUploads) {
                byte[] large = ImageCodec.encodePng(largeSide, largeSide, new byte[largeSide * largeSide * 3]);
                long unbounded = 1L << 50;
                for (long budget : List.of(config.server().maxPixelsInFlight(), unbounded)) {
                    SeedStreamConfig admission = config.with("server.maxPixelsInFlight", budget);
                    try (ServerProcess server = serverProcess(kafka, admission, 8)) {
                        String name = budget == unbounded ? "no admission bound" : "admission by pixels";
                        largeRuns.add(largeLoad(server, name, budget, large, images.get(0)));
                    }
                }
            }
        }
        System.out.println();
        System.out.printf(
                "%-22s %8s %8s %10s %9s %9s %10s %6s %6s%n",
                "run", "clients", "requests", "requests/s", "p50 ms", "p99 ms", "mean batch", "swaps", "failed");
        for (Run run : runs) {
            System.out.printf(
                    "%-22s %8d %8d %10.1f %9s %9s %10.2f %6d %6d%n",
                    run.name(),
                    run.clients(),
                    run.requests(),
                    run.requestsPerSecond(),
                    number(run.p50Ms(), "%.1f"),
                    number(run.p99Ms(), "%.1f"),
                    run.meanBatch(),
                    run.swaps(),
                    run.failed());
        }
        if (!largeRuns.isEmpty()) {
            System.out.println();
            System.out.printf(
                    "%-20s %7s %8s %6s %7s %6s %9s %9s %7s %10s %10s%n",
                    "large uploads",
                    "clients",
                    "large ok",
                    "503",
                    "failed",
                    "probes",
                    "p50 ms",
                    "p99 ms",
                    "ready",
                    "RSS MB",
                    "peak MB");
            for (LargeRun run : largeRuns) {
                System.out.printf(
                        "%-20s %7d %8d %6d %7d %6d %9s %9s %7s %10s %10s%s%n",
                        run.name(),
                        run.clients(),
                        run.largeOk(),
                        run.largeBusy(),
                        run.largeFailed(),
                        run.probes(),
                        number(run.probeP50Ms(), "%.1f"),
                        number(run.probeP99Ms(), "%.1f"),
                        run.readyShare() == null ? "-" : String.format("%.0f%%", 100 * run.readyShare()),
                        number(run.rssBeforeMb(), "%.0f"),
                        number(run.rssPeakMb(), "%.0f"),
                        run.serverSurvived() ? "" : "  (the server died)");
            }
        }
        if (out != null) {
            Files.writeString(
                    out,
                    new GsonBuilder()
                            .setPrettyPrinting()
                            .create()
                            .toJson(Map.of(
                                    "benchmark",
                                    "server",
                                    "image",
                                    config.synthetic().imageSize() + " px PNG",
                                    "cores",
                                    Runtime.getRuntime().availableProcessors(),
                                    "runs",
                                    runs,
                                    "large_uploads",
                                    largeRuns)));
            System.out.println("wrote " + out);
        }
        return runs.stream().allMatch(run -> run.failed() == 0) ? 0 : 1; // the large-upload load reports, never fails
    }

    /** The load generator is one client: the per-client limit would measure itself, not the server. */
    private static ServerProcess serverProcess(EmbeddedKafka kafka, SeedStreamConfig config, int maxBatchSize)
            throws Exception {
        SeedStreamConfig serving = config.with(Map.of(
                "server.maxBatchSize", String.valueOf(maxBatchSize),
                "server.clientRequestsPerSecond", "1e9",
                "server.clientBurst", "1000000000",
                "server.clientMaxInFlight", "1000000"));
        return ServerProcess.start(kafka.bootstrapServers(), serving, 0, ProcessBuilder.Redirect.INHERIT);
    }

    private static void publishSegmenter(
            KafkaProducer<byte[], byte[]> producer,
            Topics topics,
            SeedStreamConfig config,
            SyntheticDataset data,
            int version) {
        try {
            producer.send(new ProducerRecord<>(
                            topics.models(),
                            ModelName.SEGMENTER.id().getBytes(StandardCharsets.UTF_8),
                            ModelRecords.initialSegmenter(config, data.classes(), version, version)))
                    .get();
        } catch (Exception e) {
            throw new IllegalStateException("could not publish segmenter v" + version, e);
        }
    }

    private Run load(ServerProcess server, String name, int batch, List<byte[]> images, Runnable swap)
            throws Exception {
        int clients = 2 * batch;
        HttpClient http =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        long warmUpEnds = System.nanoTime() + TimeUnit.SECONDS.toNanos(Math.max(1, seconds / 3));
        long ends = warmUpEnds + TimeUnit.SECONDS.toNanos(seconds);
        ConcurrentLinkedQueue<Long> latencies = new ConcurrentLinkedQueue<>();
        AtomicInteger failed = new AtomicInteger();
        AtomicBoolean running = new AtomicBoolean(true);
        List<Thread> threads = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            int client = c;
            Thread thread = new Thread(
                    () -> {
                        for (int i = client; running.get(); i += clients) {
                            long started = System.nanoTime();
                            boolean ok =
                                    server.segment(http, images.get(i % images.size()), Duration.ofSeconds(60)) == 200;
                            long finished = System.nanoTime();
                            if (started >= warmUpEnds && finished <= ends) {
                                if (ok) {
                                    latencies.add(finished - started);
                                } else {
                                    failed.incrementAndGet();
                                }
                            }
                        }
                    },
                    "load-" + c);
            thread.start();
            threads.add(thread);
        }
        System.err.printf(
                "server bench: %s, %d clients, %d s warm-up + %d s%n",
                name, clients, Math.max(1, seconds / 3), seconds);
        Thread.sleep(TimeUnit.NANOSECONDS.toMillis(warmUpEnds - System.nanoTime()));
        double[] batchBefore = server.batchHistogram(http);
        long swapsBefore = server.swaps(http);
        while (System.nanoTime() < ends) {
            if (swap != null) {
                swap.run();
            }
            Thread.sleep(Math.min(
                    swap != null ? swapEveryMs : 200,
                    Math.max(1, TimeUnit.NANOSECONDS.toMillis(ends - System.nanoTime()))));
        }
        double[] batchAfter = server.batchHistogram(http);
        long swaps = server.swaps(http) - swapsBefore;
        running.set(false);
        for (Thread thread : threads) {
            thread.join(60_000);
        }
        long[] sorted = latencies.stream().mapToLong(Long::longValue).sorted().toArray();
        double meanBatch = (batchAfter[0] - batchBefore[0]) / Math.max(1, batchAfter[1] - batchBefore[1]);
        return new Run(
                name,
                batch,
                clients,
                sorted.length,
                failed.get(),
                sorted.length / (double) seconds,
                percentile(sorted, 0.50),
                percentile(sorted, 0.99),
                meanBatch,
                (int) swaps);
    }

    private LargeRun largeLoad(ServerProcess server, String name, long budget, byte[] large, byte[] small)
            throws Exception {
        HttpClient http =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        double rssBefore = server.residentMb();
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicInteger largeOk = new AtomicInteger();
        AtomicInteger largeBusy = new AtomicInteger();
        AtomicInteger largeFailed = new AtomicInteger();
        List<Thread> threads = new ArrayList<>();
        for (int c = 0; c < largeClients; c++) {
            Thread thread = new Thread(
                    () -> {
                        while (running.get()) {
                            int status = server.segment(http, large, Duration.ofSeconds(120));
                            (status == 200 ? largeOk : status == 503 ? largeBusy : largeFailed).incrementAndGet();
                            if (status == 503) {
                                sleep(1000); // as Retry-After says
                            }
                        }
                    },
                    "large-" + c);
            thread.start();
            threads.add(thread);
        }
        System.err.printf(
                "server bench: large uploads, %s: %d clients posting %dx%d PNGs for %d s%n",
                name, largeClients, largeSide, largeSide, seconds);
        List<Long> probeLatencies = new ArrayList<>();
        int probesFailed = 0;
        int readyPolls = 0;
        int ready = 0;
        double rssPeak = rssBefore;
        long ends = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (System.nanoTime() < ends && server.alive()) {
            long started = System.nanoTime();
            if (server.segment(http, small, Duration.ofSeconds(60)) == 200) {
                probeLatencies.add(System.nanoTime() - started);
            } else {
                probesFailed++;
            }
            readyPolls++;
            ready += server.readyStatus(http) == 200 ? 1 : 0;
            rssPeak = Math.max(rssPeak, server.residentMb());
            sleep(Math.max(0, 250 - TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started)));
        }
        boolean survived = server.alive();
        running.set(false);
        for (Thread thread : threads) {
            thread.join(130_000);
        }
        long[] sorted =
                probeLatencies.stream().mapToLong(Long::longValue).sorted().toArray();
        return new LargeRun(
                name,
                budget,
                largeClients,
                largeSide,
                largeOk.get(),
                largeBusy.get(),
                largeFailed.get(),
                sorted.length + probesFailed,
                probesFailed,
                percentile(sorted, 0.50),
                percentile(sorted, 0.99),
                readyPolls == 0 ? null : ready / (double) readyPolls,
                Double.isNaN(rssBefore) ? null : rssBefore,
                Double.isNaN(rssPeak) ? null : rssPeak,
                survived);
    }

    private static String number(Double value, String format) {
        return value == null ? "-" : String.format(format, value);
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Null when there is no sample: JSON has no NaN, and a run with nothing measured is still reported. */
    private static Double percentile(long[] sorted, double q) {
        if (sorted.length == 0) {
            return null;
        }
        return sorted[(int) Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] / 1e6;
    }
}
