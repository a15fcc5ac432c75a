package io.seedstream.server;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ClientLimitsTest {
    private static final long SECOND = 1_000_000_000L;

    @Test
    void aClientGetsItsBurstThenItsRateAndOthersAreUnaffected() {
        ClientLimits limits = new ClientLimits(2, 3, 10); // 3 at once, then one every half second
        for (int i = 0; i < 3; i++) {
            assertThat(limits.retryAfterSeconds("a", 0)).isZero();
        }
        assertThat(limits.retryAfterSeconds("a", 0))
                .as("the bucket is empty: 1 token in 0.5 s, rounded up")
                .isEqualTo(1);
        assertThat(limits.retryAfterSeconds("b", 0))
                .as("another client has its own bucket")
                .isZero();
        assertThat(limits.retryAfterSeconds("a", SECOND / 2))
                .as("half a second later: one token")
                .isZero();
        assertThat(limits.retryAfterSeconds("a", SECOND / 2)).isEqualTo(1);
        assertThat(limits.retryAfterSeconds("a", 100 * SECOND))
                .as("refilled, but never beyond the burst")
                .isZero();
        assertThat(limits.retryAfterSeconds("a", 100 * SECOND)).isZero();
        assertThat(limits.retryAfterSeconds("a", 100 * SECOND)).isZero();
        assertThat(limits.retryAfterSeconds("a", 100 * SECOND)).isEqualTo(1);
    }

    @Test
    void aSlowRateSaysHowLongToWait() {
        ClientLimits limits = new ClientLimits(0.1, 1, 10); // one request every 10 s
        assertThat(limits.retryAfterSeconds("a", 0)).isZero();
        assertThat(limits.retryAfterSeconds("a", 0)).isEqualTo(10);
        assertThat(limits.retryAfterSeconds("a", 4 * SECOND))
                .as("0.4 of a token: 6 s to go")
                .isEqualTo(6);
    }

    @Test
    void aClientHasAtMostItsMaximumInProgress() {
        ClientLimits limits = new ClientLimits(100, 100, 2);
        assertThat(limits.enter("a")).isTrue();
        assertThat(limits.enter("a")).isTrue();
        assertThat(limits.enter("a")).as("a third at once").isFalse();
        assertThat(limits.enter("b")).as("another client counts apart").isTrue();
        limits.leave("a");
        assertThat(limits.enter("a")).as("one of a's two ended").isTrue();
        assertThat(limits.enter("a")).isFalse();
    }
}
