package io.seedstream.cli.local;

import java.time.Duration;

/**
 * When the local run prints its status line, and the seeding rate it shows: one line per interval,
 * at most, with the rate over that interval (the average since the start hides a stall or a
 * speed-up for minutes).
 */
public final class StatusInterval {

    private final long startedNanos;
    private final long intervalNanos;
    private long lastNanos;
    private long lastSeeds;

    public StatusInterval(long startedNanos, Duration interval) {
        if (interval.isNegative() || interval.isZero()) {
            throw new IllegalArgumentException("the status interval must be positive, was " + interval);
        }
        this.startedNanos = startedNanos;
        this.intervalNanos = interval.toNanos();
        this.lastNanos = startedNanos;
    }

    /** How long to wait for records before the next line is due (zero when it is). */
    public Duration untilDue(long nowNanos) {
        return Duration.ofNanos(Math.max(0, lastNanos + intervalNanos - nowNanos));
    }

    public boolean due(long nowNanos) {
        return nowNanos - lastNanos >= intervalNanos;
    }

    /** The line's start, e.g. "[  10 s] 0.58 images/s seeded", and the interval starts again. */
    public String next(long nowNanos, long seeds) {
        double seconds = (nowNanos - lastNanos) / 1e9;
        String head = String.format(
                "[%4.0f s] %.2f images/s seeded", (nowNanos - startedNanos) / 1e9, (seeds - lastSeeds) / seconds);
        lastNanos = nowNanos;
        lastSeeds = seeds;
        return head;
    }
}
