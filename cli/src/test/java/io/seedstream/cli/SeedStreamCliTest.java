package io.seedstream.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonParser;
import io.seedstream.segmentation.config.SettingCatalog;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The command line of this module alone; the benchmarks' tests check it with {@code bench} plugged in. */
class SeedStreamCliTest {

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        CommandLine commandLine = SeedStreamCli.commandLine();
        commandLine.setOut(new PrintWriter(out, true));
        commandLine.setErr(new PrintWriter(err, true));
        return commandLine.execute(args);
    }

    @Test
    void everyCommandWithSubcommandsOrSettingsAnswersHelp() {
        assertThat(run("demo", "--help")).isZero();
        assertThat(out.toString()).contains("Usage: seedstream demo").contains("--camvid");
        assertThat(run("config", "--help")).isZero();
        assertThat(out.toString()).contains("Usage: seedstream config").contains("--set");
        assertThat(err.toString()).isEmpty();
    }

    @Test
    void helpKeepsSettingNamesWhole() {
        assertThat(run("config", "--help")).isZero();
        assertThat(out.toString())
                .as("picocli alone broke after the dot: 'ficklenet.' / 'windowSize=5'")
                .contains("ficklenet.windowSize=5")
                .contains("  -h, --help ")
                .doesNotContain("${");
        for (String line : out.toString().split("\n")) {
            assertThat(line.length()).as(line).isLessThanOrEqualTo(80);
        }
        assertThat(SeedStreamCli.wrapAtSpaces("a bb ccc dddd", 6)).containsExactly("a bb", "ccc", "dddd");
        assertThat(SeedStreamCli.wrapAtSpaces("see ficklenet.windowSize", 8))
                .containsExactly("see", "ficklenet.windowSize");
    }

    @Test
    void configListsEverySettingWithItsDocumentationAndMarksChangedOnes() {
        assertThat(run("config")).isZero();
        String listing = out.toString();
        for (SettingCatalog.Entry entry : SettingCatalog.all()) {
            assertThat(listing).contains("  " + entry.key() + " = " + entry.defaultValue() + "  [" + entry.type());
        }
        assertThat(listing)
                .contains("  ficklenet.passes = 200  [int, >= 1]\n      N, the number of stochastic passes")
                .contains("\nficklenet\n  FickleNet (Lee et al., CVPR 2019)");
        out.getBuffer().setLength(0);
        assertThat(run("config", "--set", "ficklenet.passes=50", "passes")).isZero();
        assertThat(out.toString())
                .contains("  ficklenet.passes = 50  (default 200)  [int, >= 1]")
                .contains("server.maxLocalizationPasses = 200  [")
                .doesNotContain("ficklenet.dropRate");
        out.getBuffer().setLength(0);
        assertThat(run("config", "--json", "--set", "ficklenet.passes=50")).isZero();
        assertThat(JsonParser.parseString(out.toString())
                        .getAsJsonObject()
                        .getAsJsonObject("ficklenet")
                        .get("passes")
                        .getAsInt())
                .isEqualTo(50);
        assertThat(run("config", "--set", "ficklenet.passes=0")).isEqualTo(2);
        assertThat(err.toString()).contains("seedstream: invalid configuration: ficklenet.passes must be >= 1, was 0");
        assertThat(run("config", "nosuchsetting")).isEqualTo(2);
        assertThat(err.toString()).contains("no setting's key contains nosuchsetting");
    }

    @Test
    void anUnknownCommandIsNamedWithTheCommandsThereAre() {
        assertThat(run("frobnicate")).isEqualTo(2);
        assertThat(err.toString())
                .startsWith("seedstream: unknown command 'frobnicate'\n")
                .contains("commands: config, check-engine, demo, ingest, topics, export, serve")
                .doesNotContain("Did you mean");
    }

    @Test
    void aTypoOfACommandGetsTheCommand() {
        assertThat(run("dmeo")).isEqualTo(2);
        assertThat(err.toString()).startsWith("seedstream: unknown command 'dmeo'; did you mean demo?");
    }

    @Test
    void typosAreWithinAThirdOfTheName() {
        assertThat(SeedStreamCli.isTypo("bench", "bench")).isTrue();
        assertThat(SeedStreamCli.isTypo("bnech", "bench")).isTrue(); // one swap of neighbours; 1 allowed for 5 letters
        assertThat(SeedStreamCli.isTypo("traner", "trainer")).isTrue(); // one missing; 2 allowed for 7
        assertThat(SeedStreamCli.isTypo("tranr", "trainer")).isTrue(); // two missing
        assertThat(SeedStreamCli.isTypo("trn", "trainer")).isFalse(); // four missing
        assertThat(SeedStreamCli.isTypo("bnehc", "bench")).isFalse(); // "bnech" then e<->c..h: two edits, 1 allowed
        assertThat(SeedStreamCli.isTypo("frobnicate", "topics")).isFalse();
    }
}
