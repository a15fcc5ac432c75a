package io.seedstream.server;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;

/**
 * Loads a page in headless Chromium, lets its scripts run (virtual time), and reads back the DOM
 * the scripts built and a screenshot. The page marks each picture {@code data-loaded="true"} once
 * the browser decoded it, and the chart its number of points.
 */
final class PageCheck {

    record Result(String dom, int renderedImages, int brokenImages, int chartPoints, Path screenshot) {}

    /** Without the background-networking flags Chromium keeps trying to reach Google, which this machine refuses. */
    private static final List<String> FLAGS = List.of(
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            "--virtual-time-budget=10000");

    /** Set by {@code .ci/run}: there, a missing browser fails the page tests instead of skipping them. */
    static final String REQUIRED_VARIABLE = "SEEDSTREAM_REQUIRE_BROWSER";

    private PageCheck() {}

    /**
     * The Chromium to drive ({@code CHROMIUM}, else /usr/bin/chromium). Without one the page tests are
     * skipped on a developer's machine and fail where {@value #REQUIRED_VARIABLE} is set, as in CI.
     */
    static Path chromium() {
        Path chromium = Path.of(System.getenv().getOrDefault("CHROMIUM", "/usr/bin/chromium"));
        String missing = "no Chromium at " + chromium
                + " (apt-get install chromium, or set CHROMIUM): the page check needs a browser";
        if (!Files.isExecutable(chromium) && System.getenv(REQUIRED_VARIABLE) != null) {
            throw new AssertionError(missing + ", and " + REQUIRED_VARIABLE + " says this run must have one");
        }
        Assumptions.assumeTrue(Files.isExecutable(chromium), missing);
        return chromium;
    }

    static Result run(Path chromium, String url, Path outputDirectory) throws IOException, InterruptedException {
        Files.createDirectories(outputDirectory);
        String dom = chromium(chromium, outputDirectory, "--dump-dom", url);
        Path screenshot = outputDirectory.resolve("live-page.png").toAbsolutePath();
        chromium(chromium, outputDirectory, "--screenshot=" + screenshot, "--window-size=1400,1500", url);
        Files.writeString(outputDirectory.resolve("live-page.html"), dom);
        return new Result(
                dom,
                count(dom, "data-loaded=\"true\""),
                count(dom, "data-loaded=\"error\"") + count(dom, "data-loaded=\"empty\""),
                chartPoints(dom),
                screenshot);
    }

    private static String chromium(Path chromium, Path workDirectory, String... arguments)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(chromium.toString()));
        command.addAll(FLAGS);
        Path profile = Files.createTempDirectory("chromium-profile");
        command.add("--user-data-dir=" + profile);
        command.addAll(List.of(arguments));
        Path log = workDirectory.resolve("chromium.log");
        Process process =
                new ProcessBuilder(command).redirectError(log.toFile()).start();
        try {
            byte[] stdout = process.getInputStream().readAllBytes();
            if (!process.waitFor(120, TimeUnit.SECONDS) || process.exitValue() != 0) {
                throw new IOException(
                        "chromium failed (" + String.join(" ", command) + "); see " + log.toAbsolutePath());
            }
            return new String(stdout, StandardCharsets.UTF_8);
        } finally {
            process.destroyForcibly();
            Browser.deleteRecursively(profile);
        }
    }

    private static int count(String text, String needle) {
        int n = 0;
        for (int i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + 1)) {
            n++;
        }
        return n;
    }

    private static int chartPoints(String dom) {
        Matcher points =
                Pattern.compile("id=\"chart\"[^>]*data-points=\"(\\d+)\"").matcher(dom);
        int declared = points.find() ? Integer.parseInt(points.group(1)) : 0;
        int drawn = count(dom, "class=\"point\"");
        return Math.min(declared, drawn);
    }
}
