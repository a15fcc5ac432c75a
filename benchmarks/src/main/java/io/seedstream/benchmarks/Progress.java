package io.seedstream.benchmarks;

import java.io.PrintStream;
import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * A one-line progress bar on a terminal stream: phase, bar, count, rate, time left and a status
 * such as the current loss. Redraws at most a few times a second; when the stream is not a
 * terminal (a log file) it prints a plain line every ten percent, and at least once a minute.
 */
public final class Progress {

    private static final int WIDTH = 28;
    private static final long REDRAW_NANOS = 200_000_000L;
    private static final long LOG_LINE_NANOS = 60_000_000_000L;

    private final PrintStream out;
    private final boolean terminal;
    private final LongSupplier clock;
    private String phase = "";
    private long total;
    private long started;
    private long lastDraw;
    private long lastTenth = -1;

    public Progress(PrintStream out) {
        this(out, System.console() != null, System::nanoTime);
    }

    Progress(PrintStream out, boolean terminal, LongSupplier clock) {
        this.out = out;
        this.terminal = terminal;
        this.clock = clock;
    }

    public void start(String phaseName, long totalUnits) {
        this.phase = phaseName;
        this.total = totalUnits;
        this.started = clock.getAsLong();
        this.lastDraw = 0;
        this.lastTenth = -1;
    }

    public void update(long done, String status) {
        long now = clock.getAsLong();
        long tenth = total == 0 ? 10 : done * 10 / total;
        boolean finished = done >= total;
        if (terminal
                ? (now - lastDraw < REDRAW_NANOS && !finished)
                : (tenth == lastTenth && now - lastDraw < LOG_LINE_NANOS && !finished)) {
            return;
        }
        lastDraw = now;
        lastTenth = tenth;
        double seconds = (now - started) / 1e9;
        double rate = seconds > 0 ? done / seconds : 0;
        long left = rate > 0 ? (long) ((total - done) / rate) : 0;
        int filled = total == 0 ? WIDTH : (int) (WIDTH * done / total);
        String line = String.format(
                "%-22s [%s%s] %d/%d  %.1f/s  %s left  %s",
                phase,
                "#".repeat(filled),
                ".".repeat(WIDTH - filled),
                done,
                total,
                rate,
                format(Duration.ofSeconds(left)),
                status);
        if (terminal) {
            out.print("\r" + line + (finished ? "\n" : ""));
        } else {
            out.println(line);
        }
        out.flush();
    }

    /** A line that stays: an intermediate result worth keeping even if the run is cut short. */
    public void note(String line) {
        out.println(line);
        out.flush();
    }

    private static String format(Duration d) {
        return d.toHours() > 0
                ? String.format("%dh%02dm", d.toHours(), d.toMinutesPart())
                : String.format("%dm%02ds", d.toMinutesPart(), d.toSecondsPart());
    }
}
