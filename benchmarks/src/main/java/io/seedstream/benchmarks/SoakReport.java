package io.seedstream.benchmarks;

import com.google.gson.GsonBuilder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.ToDoubleFunction;

/** The soak's numbers: growth per hour of each sampled quantity, the JSON, and the plot beside it. */
final class SoakReport {

    private SoakReport() {}

    /** Minutes of each window whose peak {@link #peakGrowthPerHour} takes. */
    static final double PEAK_WINDOW_MINUTES = 5;

    /** A least-squares line's slope per hour and its standard error (NaN below two points, or three for the error). */
    record Growth(double perHour, double standardError) {}

    /**
     * The least-squares slope of y over x, per hour, on the second half of the samples: the first is
     * warm-up (the one-hour run's resident memory settled after about half an hour).
     */
    static double growthPerHour(List<SoakBench.Sample> samples, ToDoubleFunction<SoakBench.Sample> value) {
        return growth(settled(samples), value).perHour();
    }

    /**
     * The least-squares slope per hour of all the given samples, with its standard error (the
     * report passes the second half): the resident memory swings by hundreds of MB
     * from one sample to the next (the allocator gives freed pages back within seconds, and a training
     * step takes them again), so a slope of a half hour's samples has an error of that order.
     */
    static Growth growth(List<SoakBench.Sample> samples, ToDoubleFunction<SoakBench.Sample> value) {
        List<double[]> points = new ArrayList<>();
        for (SoakBench.Sample sample : samples) {
            double y = value.applyAsDouble(sample);
            if (Double.isFinite(y)) {
                points.add(new double[] {sample.minutes() / 60, y});
            }
        }
        return fit(points);
    }

    /**
     * The slope per hour of the highest value in each {@link #PEAK_WINDOW_MINUTES}-minute window of the
     * second half: how the memory the process needs at its busiest moves, without the swings between.
     */
    static Growth peakGrowthPerHour(List<SoakBench.Sample> samples, ToDoubleFunction<SoakBench.Sample> value) {
        Map<Long, double[]> peaks = new TreeMap<>();
        for (SoakBench.Sample sample : settled(samples)) {
            double y = value.applyAsDouble(sample);
            if (Double.isFinite(y)) {
                long window = (long) Math.floor(sample.minutes() / PEAK_WINDOW_MINUTES);
                double middle = (window + 0.5) * PEAK_WINDOW_MINUTES / 60;
                peaks.merge(window, new double[] {middle, y}, (a, b) -> a[1] >= b[1] ? a : b);
            }
        }
        return fit(new ArrayList<>(peaks.values()));
    }

    private static List<SoakBench.Sample> settled(List<SoakBench.Sample> samples) {
        return samples.subList(samples.size() / 2, samples.size());
    }

    private static Growth fit(List<double[]> points) {
        int n = points.size();
        if (n < 2) {
            return new Growth(Double.NaN, Double.NaN);
        }
        double mx = points.stream().mapToDouble(p -> p[0]).average().orElseThrow();
        double my = points.stream().mapToDouble(p -> p[1]).average().orElseThrow();
        double sxx = 0;
        double sxy = 0;
        for (double[] p : points) {
            sxx += (p[0] - mx) * (p[0] - mx);
            sxy += (p[0] - mx) * (p[1] - my);
        }
        if (sxx == 0) {
            return new Growth(Double.NaN, Double.NaN);
        }
        double slope = sxy / sxx;
        double residuals = 0;
        for (double[] p : points) {
            double r = p[1] - (my + slope * (p[0] - mx));
            residuals += r * r;
        }
        return new Growth(slope, n < 3 ? Double.NaN : Math.sqrt(residuals / (n - 2) / sxx));
    }

    static void write(List<SoakBench.Sample> samples, double minutes, double rate, Path out) throws IOException {
        Map<String, Object> soak = new LinkedHashMap<>();
        SoakBench.Sample last = samples.isEmpty() ? null : samples.get(samples.size() - 1);
        Growth rss = growth(settled(samples), SoakBench.Sample::residentMb);
        double rssGrowth = rss.perHour();
        double heapGrowth = growthPerHour(samples, SoakBench.Sample::heapAfterCollectionMb);
        soak.put("rss_growth_mb_per_hour", finite(rssGrowth));
        soak.put("rss_growth_standard_error_mb_per_hour", finite(rss.standardError()));
        Growth peaks = peakGrowthPerHour(samples, SoakBench.Sample::residentMb);
        soak.put("rss_peak_growth_mb_per_hour", finite(peaks.perHour()));
        soak.put("rss_peak_growth_standard_error_mb_per_hour", finite(peaks.standardError()));
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
        soak.put("trainer_backlog_growth_per_hour", finite(growthPerHour(samples, SoakReport::trainerBacklog)));
        soak.put("trainer_backlog_at_end", last == null ? null : finite(trainerBacklog(last)));
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
                        panel(
                                "waiting",
                                samples,
                                Map.of(
                                        "images not yet seeded",
                                        s -> (double) (s.imagesSent() - s.seedsCommitted()),
                                        "samples not yet trained on",
                                        SoakReport::trainerBacklog))),
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

    /**
     * The samples the trainer has not taken in yet: each labeled image makes two, the image alone
     * (for the classifier) and, once its seeds are committed, the image with them (for the segmenter).
     * NaN while the trainer has not reported its count.
     */
    static double trainerBacklog(SoakBench.Sample sample) {
        long taken = sample.trainer().samples();
        return taken < 0 ? Double.NaN : sample.imagesSent() + sample.seedsCommitted() - taken;
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
