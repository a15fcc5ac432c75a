package io.seedstream.server;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Admission by work: the uploaded pixels being decoded and inferred at once, over all requests,
 * stay within a budget. A request that would go beyond it is refused at once (503, Retry-After)
 * instead of queueing its decoded image in memory; readiness reports the overload for a while
 * after such a refusal, so a load balancer can send work elsewhere. Large uploads (over a
 * sixteenth of the budget) may fill only seven eighths of it: the rest stays for small ones, which
 * large ones would otherwise crowd out (four 2048x2048 uploads fill the default budget exactly).
 */
final class PixelBudget {
    /** How long readiness says "overloaded" after a refusal. */
    static final long OVERLOAD_SHOWN_NANOS = 5_000_000_000L;

    private final long maxPixels;
    private final AtomicLong inFlight = new AtomicLong();
    private final AtomicLong lastRefusedNanos = new AtomicLong(Long.MIN_VALUE);

    /** Pixels admitted; closing gives them back. */
    final class Ticket implements AutoCloseable {
        private final long pixels;
        private boolean closed;

        private Ticket(long pixels) {
            this.pixels = pixels;
        }

        @Override
        public void close() {
            if (!closed) {
                closed = true;
                inFlight.addAndGet(-pixels);
            }
        }
    }

    PixelBudget(long maxPixels) {
        this.maxPixels = maxPixels;
    }

    /** The most a single upload may have: a large one must fit in the share large ones may use. */
    static long largestUpload(long maxPixels) {
        return maxPixels - maxPixels / 8;
    }

    /** Admits {@code pixels}, or refuses with 503 and Retry-After when the budget has no room for them now. */
    Ticket admit(long pixels, long nowNanos) {
        long limit = pixels > maxPixels / 16 ? largestUpload(maxPixels) : maxPixels;
        while (true) {
            long current = inFlight.get();
            if (current + pixels > limit) {
                lastRefusedNanos.set(nowNanos);
                throw new ApiException(
                        503,
                        "the server is busy: " + current + " of its " + maxPixels + " pixels (server.maxPixelsInFlight)"
                                + " are being worked on, and this image has " + pixels + "; retry shortly",
                        1);
            }
            if (inFlight.compareAndSet(current, current + pixels)) {
                return new Ticket(pixels);
            }
        }
    }

    long inFlight() {
        return inFlight.get();
    }

    /** Whether an upload was turned away for load within the last few seconds. */
    boolean overloaded(long nowNanos) {
        long last = lastRefusedNanos.get();
        return last != Long.MIN_VALUE && nowNanos - last < OVERLOAD_SHOWN_NANOS;
    }
}
