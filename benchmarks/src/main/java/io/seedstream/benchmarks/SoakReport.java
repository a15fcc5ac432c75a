package io.seedstream.benchmarks;

import com.google.gson.GsonBuilder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/** The soak's numbers: growth per hour of each sampled quantity, the JSON, and the plot beside it. */
final class SoakReport {

    private SoakReport() {}

    /**
     * The least-squares slope of y over x, per hour, on the second half of the samples: the first is
     * warm-up (the one-hour run's resident memory settled after about half an hour).
     */
    static double growthPerHour(List<SoakBench.Sample> samples, ToDoubleFunction<SoakBench.Sample> value) {
        List<SoakBench.Sample> settled = samples.subList(samples.size() / 2, samples.size());
        double n = 0;
        double sx = 0;
        double sy = 0;
        double sxx = 0;
        double sxy = 0;
        for (SoakBench.Sample sample : settled) {
            double y = value.applyAsDouble(sample);
            if (!Double.isFinite(y)) {
                continue;
            }
            double x = sample.minutes() / 60;
            n++;
            sx += x;
            sy += y;
            sxx += x * x;
            sxy += x * y;
        }
        double denominator = n * sxx - sx * sx;
        return n < 2 || denominator == 0 ? Double.NaN : (n * sxy - sx * sy) / denominator;
    }

    static void write(List<SoakBench.Sample> samples, double minutes, double rate, Path out) throws IOException {
        Map<String, Object> soak = new LinkedHashMap<>();
        SoakBench.Sample last = samples.isEmpty() ? null : samples.get(samples.size() - 1);
        double rssGrowth = growthPerHour(samples, SoakBench.Sample::residentMb);
        double heapGrowth = growthPerHour(samples, SoakBench.Sample::heapAfterCollectionMb);
        soak.put("rss_growth_mb_per_hour", finite(rssGrowth));
        soak.put("rss_mb_at_end", last == null ? null : finite(last.residentMb()));
        soak.put("rss_growth_share_per_hour", last == null ? null : finite(rssGrowth / last.residentMb()));
        soak.put("heap_growth_mb_per_hour", finite(heapGrowth));
        // What the process holds beyond the Java heap: libtorch, RocksDB, malloc's arenas, thread stacks.
        soak.put(
                "outside_heap_growth_mb_per_hour",
                finite(growthPerHour(samples, s -> s.residentMb() - s.heapCommittedMb())));
        soak.put("heap_committed_mb_at_end", last == null ? null : finite(last.heapCommittedMb()));
        Map<String, Object> checkpoints = new LinkedHashMap<>();
        if (last != null) {
            for (String job : last.checkpointBytes().keySet()) {
                checkpoints.put(
                        job,
                        finite(growthPerHour(
                                samples,
                                s -> s.checkpointBytes().getOrDefault(job, -1L) < 0
                                        ? Double.NaN
                                        : s.checkpointBytes().get(job) / 1048576.0)));
            }
        }
        soak.put("checkpoint_growth_mb_per_hour", checkpoints);
        soak.put(
                "unseeded_images_growth_per_hour",
                finite(growthPerHour(samples, s -> s.imagesSent() - s.seedsCommitted())));
        soak.put("errors_logged", last == null ? 0 : last.errorsLogged());
        soak.put("jvms", "one: the local pipeline runs broker, Flink and server in this process");
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("benchmark", "soak");
        json.put("minutes", minutes);
        json.put("images_per_second", rate);
        json.put("soak", soak);
        json.put("samples", samples);
        Files.createDirectories(out.toAbsolutePath().getParent());
        Files.writeString(out, new GsonBuilder().setPrettyPrinting().create().toJson(json));
        Path plot = BenchCommand.beside(out, ".svg");
        LineChart.write(
                List.of(
                        panel(
                                "memory (MB)",
                                samples,
                                Map.of(
                                        "resident", SoakBench.Sample::residentMb,
                                        "heap committed", SoakBench.Sample::heapCommittedMb,
                                        "heap after collection", SoakBench.Sample::heapAfterCollectionMb)),
                        panel("checkpoint size (MB)", samples, checkpointLines(last)),
                        panel("images not yet seeded", samples, Map.of("sent - seeded", s ->
                                (double) (s.imagesSent() - s.seedsCommitted())))),
                plot);
        System.out.printf(
                "soak: %.0f min at %.1f images/s: RSS %+.1f MB/h (%s at the end), heap %+.1f MB/h, checkpoints %s MB/h,"
                        + " errors logged %s%nwrote %s and %s%n",
                minutes,
                rate,
                rssGrowth,
                last == null ? "-" : String.format("%.0f MB", last.residentMb()),
                heapGrowth,
                checkpoints,
                soak.get("errors_logged"),
                out,
                plot);
    }

    private static Map<String, ToDoubleFunction<SoakBench.Sample>> checkpointLines(SoakBench.Sample last) {
        Map<String, ToDoubleFunction<SoakBench.Sample>> lines = new LinkedHashMap<>();
        if (last != null) {
            for (String job : last.checkpointBytes().keySet()) {
                lines.put(job, s -> s.checkpointBytes().getOrDefault(job, -1L) / 1048576.0);
            }
        }
        return lines;
    }

    private static LineChart.Panel panel(
            String title, List<SoakBench.Sample> samples, Map<String, ToDoubleFunction<SoakBench.Sample>> values) {
        List<LineChart.Line> lines = new ArrayList<>();
        int colour = 0;
        double maxX = samples.isEmpty() ? 1 : samples.get(samples.size() - 1).minutes();
        for (Map.Entry<String, ToDoubleFunction<SoakBench.Sample>> value : values.entrySet()) {
            List<double[]> points = new ArrayList<>();
            for (SoakBench.Sample sample : samples) {
                double y = value.getValue().applyAsDouble(sample);
                points.add(new double[] {sample.minutes(), y < 0 ? Double.NaN : y});
            }
            lines.add(new LineChart.Line(
                    value.getKey(), LineChart.COLOURS.get(colour++ % LineChart.COLOURS.size()), points, false));
        }
        return new LineChart.Panel(title, "minutes", maxX, lines);
    }

    private static Double finite(double value) {
        return Double.isFinite(value) ? value : null;
    }
}
