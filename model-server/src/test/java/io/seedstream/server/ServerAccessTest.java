package io.seedstream.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.seedstream.embedded.EmbeddedKafka;
import io.seedstream.records.Topics;
import io.seedstream.records.kafka.KafkaConnection;
import io.seedstream.records.kafka.TopicSetup;
import io.seedstream.segmentation.config.SeedStreamConfig;
import io.seedstream.segmentation.data.ImageCodec;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each refusal of a server's access rules, with its status and JSON reason, on a real server. */
class ServerAccessTest {

    private static final Topics TOPICS = new Topics("access-test.");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TOKEN = AccessToken.random();
    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private static EmbeddedKafka kafka;
    private static Path tokenFile;

    @BeforeAll
    static void start() throws Exception {
        kafka = EmbeddedKafka.start();
        TopicSetup.ensure(KafkaConnection.plain(kafka.bootstrapServers()), TOPICS, 1);
        tokenFile = Files.createTempFile("server-token", "");
        Files.writeString(tokenFile, TOKEN + "\n");
    }

    @AfterAll
    static void stop() throws Exception {
        Files.deleteIfExists(tokenFile);
        if (kafka != null) {
            kafka.close();
        }
    }

    private static ModelServer server(Map<String, String> settings) {
        SeedStreamConfig config = TestModels.CONFIG
                .with("server.tokenFile", tokenFile.toString())
                .with(Map.of("server.maxImageSide", "64", "server.maxPixelsInFlight", "8192"))
                .with(settings);
        return ModelServer.start(config, KafkaConnection.plain(kafka.bootstrapServers()), TOPICS, "127.0.0.1", 0);
    }

    @Test
    void trainingDataNeedsTheTokenAsABearerOrAsTheSessionCookieThePagesGet() throws Exception {
        try (ModelServer server = server(Map.of())) {
            HttpResponse<String> none = get(server, "/v1/recent", Map.of());
            assertThat(none.statusCode()).isEqualTo(401);
            assertThat(none.headers().firstValue("WWW-Authenticate")).hasValue("Bearer realm=\"seedstream\"");
            assertThat(error(none)).startsWith("this endpoint needs the server's access token");
            for (String path : List.of("/v1/heldout", "/v1/label-requests", "/v1/recent/x/image")) {
                assertThat(get(server, path, Map.of()).statusCode()).as(path).isEqualTo(401);
            }
            HttpResponse<String> labels = send(
                    server,
                    HttpRequest.newBuilder(uri(server, "/v1/labels")).POST(HttpRequest.BodyPublishers.ofString("x")));
            assertThat(labels.statusCode()).as("writing labels").isEqualTo(401);

            HttpResponse<String> wrong = get(server, "/v1/recent", Map.of("Authorization", "Bearer not-the-token"));
            assertThat(wrong.statusCode()).isEqualTo(403);
            assertThat(error(wrong)).isEqualTo("the access token is not this server's");
            assertThat(get(server, "/v1/recent", Map.of("Authorization", "Bearer " + TOKEN))
                            .statusCode())
                    .isEqualTo(200);

            assertThat(signIn(server, "not-the-token").statusCode()).isEqualTo(403);
            assertThat(error(send(
                            server,
                            HttpRequest.newBuilder(uri(server, "/v1/session"))
                                    .POST(HttpRequest.BodyPublishers.ofString("token=x")))))
                    .isEqualTo("send {\"token\": \"...\"} as JSON");
            HttpResponse<String> session = signIn(server, TOKEN);
            assertThat(session.statusCode()).isEqualTo(204);
            String cookie = session.headers().firstValue("Set-Cookie").orElseThrow();
            assertThat(cookie)
                    .startsWith(ServerAccess.COOKIE + "=")
                    .contains("HttpOnly")
                    .contains("SameSite=Strict")
                    .doesNotContain("Secure");
            assertThat(get(server, "/v1/recent", Map.of("Cookie", cookie.substring(0, cookie.indexOf(';'))))
                            .statusCode())
                    .isEqualTo(200);
            assertThat(get(server, "/v1/recent", Map.of("Cookie", ServerAccess.COOKIE + "=%zz"))
                            .statusCode())
                    .as("a cookie the server did not set counts as none")
                    .isEqualTo(401);

            // Open by default: inference, the model list, metrics, health and the pages.
            for (String path : List.of("/v1/models", "/metrics", "/health/live", "/", "/label.html", "/common.js")) {
                assertThat(get(server, path, Map.of()).statusCode()).as(path).isEqualTo(200);
            }
            assertThat(get(server, "/health/ready", Map.of()).statusCode())
                    .as("no segmenter yet")
                    .isEqualTo(503);
            assertThat(server.signInUrl())
                    .as("a configured token is never printed")
                    .isEqualTo(server.url());
        }
    }

    @Test
    void inferenceNeedsTheTokenWhenProtected() throws Exception {
        try (ModelServer server = server(Map.of("server.protectInference", "true"))) {
            assertThat(post(server, "/v1/segment", png(8, 8), Map.of()).statusCode())
                    .isEqualTo(401);
            assertThat(get(server, "/v1/models", Map.of()).statusCode()).isEqualTo(401);
            assertThat(get(server, "/metrics", Map.of()).statusCode()).isEqualTo(401);
            assertThat(get(server, "/v1/models", Map.of("Authorization", "Bearer " + TOKEN))
                            .statusCode())
                    .isEqualTo(200);
            assertThat(get(server, "/health/live", Map.of()).statusCode()).isEqualTo(200);
        }
    }

    @Test
    void aClientBeyondItsBurstGets429WithRetryAfterAndOthersAndProbesGoOn() throws Exception {
        try (ModelServer server = server(Map.of("server.clientBurst", "3", "server.clientRequestsPerSecond", "0.01"))) {
            for (int i = 0; i < 3; i++) {
                assertThat(get(server, "/v1/models", Map.of()).statusCode()).isEqualTo(200);
            }
            HttpResponse<String> refused = get(server, "/v1/models", Map.of());
            assertThat(refused.statusCode()).isEqualTo(429);
            assertThat(refused.headers().firstValue("Retry-After")).hasValue("100");
            assertThat(error(refused))
                    .startsWith(
                            "too many requests from 127.0.0.1: at most 0.01 a second (server.clientRequestsPerSecond)");
            assertThat(get(server, "/health/live", Map.of()).statusCode())
                    .as("probes are not counted")
                    .isEqualTo(200);
        }
        try (ModelServer proxied = server(Map.of(
                "server.clientBurst",
                "1",
                "server.clientRequestsPerSecond",
                "0.01",
                "server.trustForwardedFor",
                "true"))) {
            assertThat(get(proxied, "/v1/models", Map.of("X-Forwarded-For", "10.0.0.1"))
                            .statusCode())
                    .isEqualTo(200);
            assertThat(get(proxied, "/v1/models", Map.of("X-Forwarded-For", "10.0.0.2, 10.0.0.9"))
                            .statusCode())
                    .as("another client behind the same proxy")
                    .isEqualTo(200);
            assertThat(get(proxied, "/v1/models", Map.of("X-Forwarded-For", "10.0.0.1"))
                            .statusCode())
                    .isEqualTo(429);
            assertThat(get(proxied, "/v1/models", Map.of("X-Forwarded-For", "192.0.2.7, 10.0.0.1"))
                            .statusCode())
                    .as("an address the client wrote in front of the proxy's entry does not make it another client")
                    .isEqualTo(429);
        }
    }

    @Test
    void aClientWithItsMaximumOfRequestsInProgressGets429UntilOneEnds() throws Exception {
        try (ModelServer server = server(Map.of("server.clientMaxInFlight", "1"))) {
            URI segment = uri(server, "/v1/segment");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            Socket upload = slowUpload(segment);
            try {
                HttpResponse<String> models = get(server, "/v1/models", Map.of());
                while (models.statusCode() != 429 && System.nanoTime() < deadline) {
                    if (upload.getInputStream().available() > 0) {
                        // Answered before it got in: one of these GETs was in progress then. Again.
                        upload.close();
                        upload = slowUpload(segment);
                    }
                    Thread.sleep(50);
                    models = get(server, "/v1/models", Map.of());
                }
                assertThat(error(models))
                        .isEqualTo("127.0.0.1 has 1 requests in progress already (server.clientMaxInFlight); retry"
                                + " when one has ended");
                assertThat(models.headers().firstValue("Retry-After")).hasValue("1");
            } finally {
                upload.close();
            }
            assertThat(awaitStatus(server, 200).statusCode())
                    .as("the upload cut off has ended, and with it its count")
                    .isEqualTo(200);
        }
    }

    /** A POST /v1/segment that announces 100,000 bytes, sends 100 and waits: in progress until closed. */
    private static Socket slowUpload(URI segment) throws IOException {
        Socket socket = new Socket(segment.getHost(), segment.getPort());
        OutputStream out = socket.getOutputStream();
        out.write(("POST /v1/segment HTTP/1.1\r\nHost: localhost\r\nContent-Type: image/png\r\n"
                        + "Content-Length: 100000\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        out.write(new byte[100]);
        out.flush();
        return socket;
    }

    /** GET /v1/models until it answers {@code status} (10 s at most). */
    private static HttpResponse<String> awaitStatus(ModelServer server, int status) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        HttpResponse<String> response = get(server, "/v1/models", Map.of());
        while (response.statusCode() != status && System.nanoTime() < deadline) {
            Thread.sleep(50);
            response = get(server, "/v1/models", Map.of());
        }
        return response;
    }

    @Test
    void behindATrustedProxyThatTookHttpsTheSessionCookieIsSecure() throws Exception {
        try (ModelServer proxied = server(Map.of("server.trustForwardedFor", "true"));
                ModelServer direct = server(Map.of())) {
            assertThat(signIn(proxied, TOKEN, Map.of("X-Forwarded-Proto", "https"))
                            .headers()
                            .firstValue("Set-Cookie")
                            .orElseThrow())
                    .endsWith("; Secure");
            assertThat(signIn(proxied, TOKEN, Map.of("X-Forwarded-Proto", "http"))
                            .headers()
                            .firstValue("Set-Cookie")
                            .orElseThrow())
                    .doesNotContain("Secure");
            assertThat(signIn(direct, TOKEN, Map.of("X-Forwarded-Proto", "https"))
                            .headers()
                            .firstValue("Set-Cookie")
                            .orElseThrow())
                    .as("a proxy's header is not believed unless server.trustForwardedFor says so")
                    .doesNotContain("Secure");
        }
    }

    @Test
    void uploadsBeyondThePixelBudgetGet503WithRetryAfterAndReadinessSaysOverloaded() throws Exception {
        try (ModelServer server = server(Map.of())) { // 8192 pixels; uploads over 512 may fill 7168
            HttpResponse<String> oversized = post(server, "/v1/segment", png(100, 100), Map.of());
            assertThat(oversized.statusCode())
                    .as("refused by its sides, not as load")
                    .isEqualTo(413);
            assertThat(get(server, "/health/ready", Map.of()).body()).doesNotContain("overloaded");
            byte[] large = png(64, 64);
            assertThat(error(post(server, "/v1/segment", large, Map.of())))
                    .as("admitted, then refused for want of a model")
                    .contains("segmenter");
            assertThat(server.pixelBudget().inFlight()).as("given back").isZero();
            try (PixelBudget.Ticket held = server.pixelBudget().admit(4000, System.nanoTime())) {
                HttpResponse<String> refused = post(server, "/v1/segment", large, Map.of());
                assertThat(refused.statusCode()).isEqualTo(503);
                assertThat(refused.headers().firstValue("Retry-After")).hasValue("1");
                assertThat(error(refused))
                        .startsWith("the server is busy: 4000 of its 8192 pixels (server.maxPixelsInFlight)");
                assertThat(error(post(server, "/v1/segment", png(8, 8), Map.of())))
                        .as("a small image still gets in, beside the large ones")
                        .contains("segmenter");
                assertThat(server.pixelBudget().inFlight()).isEqualTo(4000);
                HttpResponse<String> ready = get(server, "/health/ready", Map.of());
                assertThat(ready.statusCode()).isEqualTo(503);
                assertThat(JSON.readTree(ready.body()).get("status").asText()).isEqualTo("overloaded");
                assertThat(get(server, "/metrics", Map.of()).body())
                        .contains("seedstream_server_pixels_in_flight 4000.0");
            }
        }
    }

    @Test
    void withAKeystoreTheServerSpeaksHttpsOnly(@TempDir Path dir) throws Exception {
        Path keystore = dir.resolve("server.p12");
        Path passwordFile = Files.writeString(dir.resolve("password"), "changeit-" + AccessToken.random() + "\n");
        String password = Files.readAllLines(passwordFile).get(0);
        Process keytool = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "keytool")
                                .toString(),
                        "-genkeypair",
                        "-alias",
                        "server",
                        "-keyalg",
                        "RSA",
                        "-keysize",
                        "2048",
                        "-dname",
                        "CN=localhost",
                        "-ext",
                        "SAN=dns:localhost,ip:127.0.0.1",
                        "-validity",
                        "2",
                        "-storetype",
                        "PKCS12",
                        "-keystore",
                        keystore.toString(),
                        "-storepass",
                        password,
                        "-keypass",
                        password)
                .redirectErrorStream(true)
                .start();
        assertThat(keytool.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(keytool.exitValue())
                .as(new String(keytool.getInputStream().readAllBytes()))
                .isZero();

        assertThatThrownBy(() -> server(Map.of("server.tlsKeystore", keystore.toString())))
                .hasMessageContaining(
                        "give its password in server.tlsKeystorePasswordFile or " + ServerTls.PASSWORD_VARIABLE);
        try (ModelServer server = server(Map.of(
                "server.tlsKeystore",
                keystore.toString(),
                "server.tlsKeystorePasswordFile",
                passwordFile.toString()))) {
            assertThat(server.url()).startsWith("https://localhost:");
            HttpClient trusting = HttpClient.newBuilder()
                    .sslContext(trusting(keystore, password))
                    .build();
            HttpResponse<String> live = trusting.send(
                    HttpRequest.newBuilder(URI.create("https://localhost:" + server.port() + "/health/live"))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(live.statusCode()).isEqualTo(200);
            HttpResponse<String> session = trusting.send(
                    HttpRequest.newBuilder(URI.create("https://localhost:" + server.port() + "/v1/session"))
                            .POST(HttpRequest.BodyPublishers.ofString("{\"token\": \"" + TOKEN + "\"}"))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(session.headers().firstValue("Set-Cookie").orElseThrow()).contains("; Secure");
            assertThatThrownBy(() -> get(server, "/health/live", Map.of()))
                    .as("plain HTTP on the TLS port")
                    .isInstanceOf(IOException.class);
        }
    }

    private static SSLContext trusting(Path keystore, String password) throws Exception {
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = new FileInputStream(keystore.toFile())) {
            store.load(in, password.toCharArray());
        }
        TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trust.init(store);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, trust.getTrustManagers(), null);
        return context;
    }

    private static byte[] png(int width, int height) throws IOException {
        return ImageCodec.encodePng(width, height, new byte[width * height * 3]);
    }

    private static URI uri(ModelServer server, String path) {
        return URI.create("http://127.0.0.1:" + server.port() + path);
    }

    private static HttpResponse<String> get(ModelServer server, String path, Map<String, String> headers)
            throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri(server, path));
        headers.forEach(request::header);
        return send(server, request);
    }

    private static HttpResponse<String> post(ModelServer server, String path, byte[] body, Map<String, String> headers)
            throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri(server, path))
                .header("Content-Type", "image/png")
                .header("Accept", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        headers.forEach(request::header);
        return send(server, request);
    }

    private static HttpResponse<String> signIn(ModelServer server, String token) throws Exception {
        return signIn(server, token, Map.of());
    }

    private static HttpResponse<String> signIn(ModelServer server, String token, Map<String, String> headers)
            throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri(server, "/v1/session"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"token\": \"" + token + "\"}"));
        headers.forEach(request::header);
        return send(server, request);
    }

    private static HttpResponse<String> send(ModelServer server, HttpRequest.Builder request) throws Exception {
        return HTTP.send(request.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String error(HttpResponse<String> response) throws IOException {
        JsonNode body = JSON.readTree(response.body());
        assertThat(body.has("error")).as(response.body()).isTrue();
        return body.get("error").asText();
    }
}
