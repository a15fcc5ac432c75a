package io.seedstream.server;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A token bucket per client: {@code burst} requests at once, refilled at {@code ratePerSecond}. A
 * client that has emptied its bucket waits for the next token, so one client cannot take the
 * server from the others. Full buckets are forgotten, which keeps the map as large as the clients
 * that are busy now.
 */
final class ClientLimits {
    private static final int FORGET_ABOVE = 10_000;

    private final double ratePerSecond;
    private final int burst;
    private final Map<String, Bucket> buckets = new ConcurrentHashMap<>();

    private static final class Bucket {
        double tokens;
        long refilledNanos;

        Bucket(double tokens, long now) {
            this.tokens = tokens;
            this.refilledNanos = now;
        }
    }

    ClientLimits(double ratePerSecond, int burst) {
        this.ratePerSecond = ratePerSecond;
        this.burst = burst;
    }

    /** 0 when the client may go ahead (its token taken), else the seconds until it may. */
    long retryAfterSeconds(String client, long nowNanos) {
        if (buckets.size() > FORGET_ABOVE) {
            buckets.values().removeIf(b -> refilled(b, nowNanos) >= burst);
        }
        Bucket bucket = buckets.computeIfAbsent(client, c -> new Bucket(burst, nowNanos));
        synchronized (bucket) {
            bucket.tokens = refilled(bucket, nowNanos);
            bucket.refilledNanos = nowNanos;
            if (bucket.tokens >= 1) {
                bucket.tokens -= 1;
                return 0;
            }
            return Math.max(1, (long) Math.ceil((1 - bucket.tokens) / ratePerSecond));
        }
    }

    private double refilled(Bucket bucket, long nowNanos) {
        return Math.min(burst, bucket.tokens + (nowNanos - bucket.refilledNanos) / 1e9 * ratePerSecond);
    }
}
