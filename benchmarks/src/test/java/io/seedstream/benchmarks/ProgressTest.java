package io.seedstream.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ProgressTest {

    /** In a log: a line at each tenth, and one at least every minute between them (a long run shows it is alive). */
    @Test
    void aLogGetsALineEveryTenthAndAtLeastOnceAMinute() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        long[] now = {0};
        Progress progress = new Progress(new PrintStream(bytes, true, StandardCharsets.UTF_8), false, () -> now[0]);
        progress.start("run", 1000);
        long[][] updates = {{1, 0}, {2, 30}, {3, 59}, {4, 61}, {5, 90}, {100, 95}, {101, 100}, {1000, 101}
        }; // {done, seconds}
        for (long[] update : updates) {
            now[0] = update[1] * 1_000_000_000L;
            progress.update(update[0], "");
        }
        assertThat(bytes.toString(StandardCharsets.UTF_8)
                        .lines()
                        .map(line -> line.replaceAll("^run +\\[[#.]+\\] (\\d+)/1000.*", "$1")))
                .containsExactly("1", "4", "100", "1000"); // the first, a minute later, the next tenth, the end
    }
}
