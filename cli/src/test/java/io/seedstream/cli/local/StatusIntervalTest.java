package io.seedstream.cli.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class StatusIntervalTest {

    private static final long SECOND = 1_000_000_000L;

    @Test
    void oneLinePerIntervalWithTheRateOverThatInterval() {
        StatusInterval status = new StatusInterval(100 * SECOND, Duration.ofSeconds(5));
        assertThat(status.due(104 * SECOND)).isFalse();
        assertThat(status.untilDue(104 * SECOND)).isEqualTo(Duration.ofSeconds(1));
        assertThat(status.due(105 * SECOND)).isTrue();
        assertThat(status.next(105 * SECOND, 10)).isEqualTo("[   5 s] 2.00 images/s seeded"); // 10 seeds in 5 s
        assertThat(status.due(109 * SECOND)).isFalse();
        // 3 more seeds in the next 5.2 s: 0.58/s, not the 13 / 10.2 = 1.27/s since the start
        assertThat(status.next(110 * SECOND + SECOND / 5, 13)).isEqualTo("[  10 s] 0.58 images/s seeded");
        assertThat(status.untilDue(120 * SECOND)).isEqualTo(Duration.ZERO);
    }
}
