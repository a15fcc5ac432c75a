package io.seedstream.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A headless Chromium driven like a person would, over the DevTools protocol: real mouse clicks at
 * an element's position, files chosen in a file input, and the page's state read back. Only the
 * JDK's WebSocket and Jackson; no WebDriver.
 */
final class Browser implements AutoCloseable {

    private static final Pattern LISTENING = Pattern.compile("DevTools listening on (ws://\\S+)");
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Process process;
    private final HttpClient http = HttpClient.newHttpClient();
    private final WebSocket socket;
    private final AtomicInteger ids = new AtomicInteger();
    private final Map<Integer, CompletableFuture<JsonNode>> waiting = new ConcurrentHashMap<>();

    private final Path profile;

    private Browser(Process process, Path profile, String pageSocket) {
        this.process = process;
        this.profile = profile;
        this.socket = http.newWebSocketBuilder()
                .buildAsync(URI.create(pageSocket), new Replies())
                .join();
    }

    /** Starts Chromium with one blank page; its log goes to {@code log}. */
    static Browser start(Path chromium, Path log) throws Exception {
        Path profile = Files.createTempDirectory("chromium-profile");
        List<String> command = List.of(
                chromium.toString(),
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--hide-scrollbars",
                "--window-size=1400,1200",
                "--remote-debugging-port=0",
                "--user-data-dir=" + profile,
                "about:blank");
        Process process =
                new ProcessBuilder(command).redirectError(log.toFile()).start();
        try {
            return new Browser(process, profile, pageSocket(process, log));
        } catch (Exception | AssertionError e) {
            process.destroyForcibly();
            deleteRecursively(profile);
            throw e;
        }
    }

    /** The page's DevTools address, once Chromium has written its port to the log and listed the page. */
    private static String pageSocket(Process process, Path log) throws Exception {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        HttpClient client = HttpClient.newHttpClient();
        while (System.nanoTime() < deadline && process.isAlive()) {
            Matcher listening = LISTENING.matcher(Files.readString(log));
            if (listening.find()) {
                URI list = URI.create(listening.group(1).replaceFirst("^ws://([^/]+)/.*$", "http://$1/json/list"));
                String targets = client.send(HttpRequest.newBuilder(list).build(), HttpResponse.BodyHandlers.ofString())
                        .body();
                for (JsonNode target : JSON.readTree(targets)) {
                    if (target.get("type").asText().equals("page")) {
                        return target.get("webSocketDebuggerUrl").asText();
                    }
                }
            }
            Thread.sleep(100);
        }
        throw new IOException("chromium opened no page for DevTools within " + TIMEOUT.toSeconds() + " s; see "
                + log.toAbsolutePath());
    }

    /** Opens the address and waits until the page and its scripts have loaded. */
    void open(String url) throws Exception {
        call("Page.navigate", Map.of("url", url));
        waitFor("the page to load", "document.readyState === 'complete'");
    }

    /** The value of a JavaScript expression in the page (promises are awaited). */
    JsonNode evaluate(String expression) throws Exception {
        JsonNode result =
                call("Runtime.evaluate", Map.of("expression", expression, "returnByValue", true, "awaitPromise", true));
        if (result.has("exceptionDetails")) {
            throw new AssertionError("the page threw on " + expression + ": " + result.get("exceptionDetails"));
        }
        return result.get("result").get("value");
    }

    /** Polls until the expression is true in the page. */
    void waitFor(String what, String expression) throws Exception {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (true) {
            JsonNode value = evaluate(expression);
            if (value != null && value.asBoolean()) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what + " (" + expression + ")");
            }
            Thread.sleep(100);
        }
    }

    /** A left click in the middle of the first element matching the selector, after scrolling it into view. */
    void click(String selector) throws Exception {
        JsonNode box = evaluate("(() => { const e = document.querySelector(" + JSON.writeValueAsString(selector) + ");"
                + " if (!e) return null; e.scrollIntoView({block: 'center'}); const r = e.getBoundingClientRect();"
                + " return {x: r.left + r.width / 2, y: r.top + r.height / 2}; })()");
        if (box == null || box.isNull()) {
            throw new AssertionError("nothing on the page matches " + selector);
        }
        double x = box.get("x").asDouble();
        double y = box.get("y").asDouble();
        call("Input.dispatchMouseEvent", Map.of("type", "mouseMoved", "x", x, "y", y));
        for (String type : List.of("mousePressed", "mouseReleased")) {
            call("Input.dispatchMouseEvent", Map.of("type", type, "x", x, "y", y, "button", "left", "clickCount", 1));
        }
    }

    /** Chooses a file in the file input matching the selector, as the file dialog would. */
    void chooseFile(String selector, Path file) throws Exception {
        int document =
                call("DOM.getDocument", Map.of()).get("root").get("nodeId").asInt();
        int input = call("DOM.querySelector", Map.of("nodeId", document, "selector", selector))
                .get("nodeId")
                .asInt();
        if (input == 0) {
            throw new AssertionError("no file input matches " + selector);
        }
        call(
                "DOM.setFileInputFiles",
                Map.of("nodeId", input, "files", List.of(file.toAbsolutePath().toString())));
    }

    void screenshot(Path file) throws Exception {
        Files.createDirectories(file.toAbsolutePath().getParent());
        Files.write(
                file,
                Base64.getDecoder()
                        .decode(call("Page.captureScreenshot", Map.of("format", "png"))
                                .get("data")
                                .asText()));
    }

    private JsonNode call(String method, Map<String, Object> params) throws Exception {
        int id = ids.incrementAndGet();
        ObjectNode message = JSON.createObjectNode().put("id", id).put("method", method);
        message.set("params", JSON.valueToTree(params));
        CompletableFuture<JsonNode> reply = new CompletableFuture<>();
        waiting.put(id, reply);
        socket.sendText(JSON.writeValueAsString(message), true).join();
        JsonNode answer = reply.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        if (answer.has("error")) {
            throw new AssertionError(method + " failed: " + answer.get("error"));
        }
        return answer.get("result");
    }

    /** Hands each reply to its caller; events (no id) are not needed. */
    private final class Replies implements WebSocket.Listener {
        private final StringBuilder partial = new StringBuilder();

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                try {
                    JsonNode message = JSON.readTree(partial.toString());
                    CompletableFuture<JsonNode> reply =
                            message.has("id") ? waiting.remove(message.get("id").asInt()) : null;
                    if (reply != null) {
                        reply.complete(message);
                    }
                } catch (IOException e) {
                    waiting.values().forEach(reply -> reply.completeExceptionally(e));
                }
                partial.setLength(0);
            }
            webSocket.request(1);
            return null;
        }
    }

    @Override
    public void close() throws Exception {
        socket.abort();
        // Chromium's helpers (zygote, renderer, GPU) outlive the main process for a moment and keep
        // writing to the profile; stop them all before deleting it.
        List<ProcessHandle> helpers = process.descendants().toList();
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        for (ProcessHandle helper : helpers) {
            helper.destroyForcibly();
            helper.onExit().get(10, TimeUnit.SECONDS);
        }
        deleteRecursively(profile);
    }

    /** Deletes the profile; a file a straggler wrote meanwhile costs a retry, never the test. */
    static void deleteRecursively(Path directory) throws IOException, InterruptedException {
        for (int attempt = 1; ; attempt++) {
            try (var paths = Files.walk(directory)) {
                for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(path);
                }
                return;
            } catch (NoSuchFileException | DirectoryNotEmptyException e) {
                if (attempt == 5) {
                    System.err.println("could not delete Chromium's profile " + directory + ": " + e);
                    return;
                }
                Thread.sleep(200);
            }
        }
    }
}
