package io.seedstream.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import io.seedstream.cli.SeedStreamCli;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code bench} as {@code ./seedstream} sees it: plugged into the command line from the class path. */
class BenchCommandTest {

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        CommandLine commandLine = SeedStreamCli.commandLine();
        commandLine.setOut(new PrintWriter(out, true));
        commandLine.setErr(new PrintWriter(err, true));
        return commandLine.execute(args);
    }

    @Test
    void benchIsACommandWithEveryBenchmark() {
        assertThat(SeedStreamCli.commandLine().getSubcommands()).containsKey("bench");
        assertThat(SeedStreamCli.commandLine()
                        .getSubcommands()
                        .get("bench")
                        .getSubcommands()
                        .keySet())
                .containsExactlyInAnyOrder(
                        "localization",
                        "segmentation",
                        "trainer",
                        "active-learning",
                        "pipeline",
                        "server",
                        "soak",
                        "faults");
        assertThat(run("bench", "--help")).isZero();
        assertThat(out.toString()).contains("Usage: seedstream bench").contains("trainer");
        assertThat(err.toString()).isEmpty();
    }

    @Test
    void aTypoOfABenchmarkGetsTheBenchmark() {
        assertThat(run("bnech")).isEqualTo(2);
        assertThat(err.toString()).startsWith("seedstream: unknown command 'bnech'; did you mean bench?");
        assertThat(run("bench", "traner")).isEqualTo(2);
        assertThat(err.toString())
                .contains("unknown command 'traner'; did you mean trainer?")
                .contains("(see seedstream bench --help)");
    }
}
