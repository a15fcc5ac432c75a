package io.seedstream.server;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A token bucket per client: {@code burst} requests at once, refilled at {@code ratePerSecond}. A
 * client that has emptied its bucket waits for the next token, so one client cannot take the
 * server from the others. Full buckets are forgotten (at most once a second, beyond 10,000 clients),
 * which keeps the map as large as the clients that are busy now. Each bucket changes only inside
 * the map's atomic compute for its key. Apart from its rate, a client may have at most
 * {@code maxInFlight} requests in progress: uploads are read whole before their pixels are
 * admitted, so this bounds the request bodies one client makes the server hold.
 */
final class ClientLimits {
    private static final int FORGET_ABOVE = 10_000;

    private final double ratePerSecond;
    private final int burst;
    private final Map<String, Bucket> buckets = new ConcurrentHashMap<>();
    private final AtomicLong lastSweepNanos = new AtomicLong(Long.MIN_VALUE / 2);
    private final int maxInFlight;
    private final Map<String, Integer> inFlight = new ConcurrentHashMap<>();

    private static final class Bucket {
        double tokens;
        long refilledNanos;

        Bucket(double tokens, long now) {
            this.tokens = tokens;
            this.refilledNanos = now;
        }
    }

    ClientLimits(double ratePerSecond, int burst, int maxInFlight) {
        this.ratePerSecond = ratePerSecond;
        this.burst = burst;
        this.maxInFlight = maxInFlight;
    }

    /** Counts a request of the client as in progress; false (nothing counted) when it has its maximum already. */
    boolean enter(String client) {
        boolean[] entered = new boolean[1];
        inFlight.compute(client, (key, count) -> {
            int now = count == null ? 0 : count;
            entered[0] = now < maxInFlight;
            return entered[0] ? now + 1 : count;
        });
        return entered[0];
    }

    /** The end of a request {@link #enter} counted; a client with none left is forgotten. */
    void leave(String client) {
        inFlight.computeIfPresent(client, (key, count) -> count > 1 ? count - 1 : null);
    }

    /** 0 when the client may go ahead (its token taken), else the seconds until it may. */
    long retryAfterSeconds(String client, long nowNanos) {
        long last = lastSweepNanos.get();
        if (buckets.size() > FORGET_ABOVE
                && nowNanos - last > 1_000_000_000L
                && lastSweepNanos.compareAndSet(last, nowNanos)) {
            // a full bucket is what a new client gets anyway; removed under the map's lock for its key
            buckets.keySet()
                    .forEach(key -> buckets.computeIfPresent(key, (k, b) -> refilled(b, nowNanos) >= burst ? null : b));
        }
        long[] wait = new long[1];
        buckets.compute(client, (key, bucket) -> {
            Bucket b = bucket == null ? new Bucket(burst, nowNanos) : bucket;
            b.tokens = refilled(b, nowNanos);
            b.refilledNanos = nowNanos;
            if (b.tokens >= 1) {
                b.tokens -= 1;
            } else {
                wait[0] = Math.max(1, (long) Math.ceil((1 - b.tokens) / ratePerSecond));
            }
            return b;
        });
        return wait[0];
    }

    private double refilled(Bucket bucket, long nowNanos) {
        return Math.min(burst, bucket.tokens + (nowNanos - bucket.refilledNanos) / 1e9 * ratePerSecond);
    }
}
