package io.seedstream.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.seedstream.embedded.EmbeddedKafka;
import io.seedstream.records.Bytes;
import io.seedstream.records.ImageRecords;
import io.seedstream.records.LabelRequest;
import io.seedstream.records.LabeledImageRecord;
import io.seedstream.records.ModelSnapshotRecord;
import io.seedstream.records.RecordCodec;
import io.seedstream.records.SeedRecord;
import io.seedstream.records.Topics;
import io.seedstream.records.kafka.KafkaClients;
import io.seedstream.records.kafka.KafkaConnection;
import io.seedstream.records.kafka.TopicSetup;
import io.seedstream.segmentation.config.SeedStreamConfig;
import io.seedstream.segmentation.data.ClassList;
import io.seedstream.segmentation.data.ImageCodec;
import io.seedstream.segmentation.data.LabeledImage;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/** The server against a real Kafka broker, over real HTTP; the pages in a real headless Chromium. */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ModelServerIntegrationTest {

    private static final String TOKEN = AccessToken.random();
    /** Many requests come from this one client: its limit is not what these tests are about. */
    private static final Map<String, String> SETTINGS = Map.of(
            "server.maxUploadBytes", "262144",
            "server.maxImageSide", "512",
            "server.maxBatchWaitMs", "5",
            "server.clientRequestsPerSecond", "100000",
            "server.clientBurst", "100000");

    private static final Topics TOPICS = new Topics("server-test.");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long T0 = 1_700_000_000_000L;

    private static EmbeddedKafka kafka;
    private static KafkaProducer<byte[], byte[]> producer;
    private static ModelServer server;
    private static HttpClient http;

    @BeforeAll
    static void start() throws Exception {
        kafka = EmbeddedKafka.start();
        TopicSetup.ensure(KafkaConnection.plain(kafka.bootstrapServers()), TOPICS, 2);
        producer = KafkaClients.producer(KafkaConnection.plain(kafka.bootstrapServers()));
        Path tokenFile = Files.createTempFile("server-token", "");
        Files.writeString(tokenFile, TOKEN + "\n");
        SeedStreamConfig config = TestModels.CONFIG.with(SETTINGS).with("server.tokenFile", tokenFile.toString());
        server = ModelServer.start(config, KafkaConnection.plain(kafka.bootstrapServers()), TOPICS, "127.0.0.1", 0);
        Files.delete(tokenFile); // read once, at the start
        http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    }

    @AfterAll
    static void stop() throws Exception {
        if (server != null) {
            server.close();
        }
        if (producer != null) {
            producer.close();
        }
        if (kafka != null) {
            kafka.close();
        }
    }

    @Test
    @Order(1)
    void notReadyUntilTheFirstSegmenterArrives() throws Exception {
        HttpResponse<String> ready = get("/health/ready");
        assertThat(ready.statusCode()).isEqualTo(503);
        assertThat(json(ready).get("reason").asText()).contains("no segmenter");
        HttpResponse<String> early = post("/v1/segment", png(image(0)));
        assertThat(early.statusCode()).isEqualTo(503);
        assertThat(json(early).get("error").asText()).contains("no segmenter is in service yet");
        assertThat(get("/health/live").statusCode()).isEqualTo(200);

        publish(TestModels.scored(TestModels.classifier(1), 0.05, 10, T0));
        publish(TestModels.scored(TestModels.segmenter(1), 0.10, 10, T0));
        await("the first segmenter in service", () -> get("/health/ready").statusCode() == 200);
        assertThat(json(get("/health/ready")).get("segmenterVersion").asLong()).isEqualTo(1);
    }

    @Test
    @Order(2)
    void eachKindOfBadInputGetsItsOwn4xxAndTheServerKeepsServing() throws Exception {
        byte[] good = png(image(1));
        byte[] bigPicture = ImageCodec.encodePng(600, 20, new byte[600 * 20 * 3]);
        byte[] tooManyBytes = new byte[300_000];
        tooManyBytes[0] = (byte) 0x89;
        Map<String, Integer> expected = Map.of(
                "empty",
                400,
                "text",
                415,
                "gif",
                415,
                "truncated",
                400,
                "too many bytes",
                413,
                "too many pixels",
                413,
                "bad format parameter",
                400,
                "no class",
                400,
                "unknown class",
                400,
                "zero passes",
                400);
        Map<String, HttpResponse<String>> responses = Map.of(
                "empty", post("/v1/segment", new byte[0]),
                "text", post("/v1/segment", "just some text".getBytes(StandardCharsets.UTF_8)),
                "gif", post("/v1/segment", gif()),
                "truncated", post("/v1/segment", Arrays.copyOf(good, good.length / 2)),
                "too many bytes", post("/v1/segment", tooManyBytes),
                "too many pixels", post("/v1/segment", bigPicture),
                "bad format parameter", post("/v1/segment?format=bmp", good),
                "no class", post("/v1/localize", good),
                "unknown class", post("/v1/localize?class=unicorn", good),
                "zero passes", post("/v1/localize?class=cross&method=ficklenet&passes=0", good));
        expected.forEach((input, status) -> {
            HttpResponse<String> response = responses.get(input);
            assertThat(response.statusCode()).as(input + ": " + response.body()).isEqualTo(status);
            assertThat(json(response).get("error").asText()).as(input).isNotBlank();
        });
        assertThat(json(responses.get("too many pixels")).get("error").asText()).contains("600x20");
        assertThat(json(responses.get("unknown class")).get("error").asText()).contains("unicorn");
        HttpResponse<String> unknownRoute = get("/v1/nothing-here");
        assertThat(unknownRoute.statusCode()).isEqualTo(404);
        assertThat(json(unknownRoute).get("error").asText()).contains("/openapi.json");
        HttpResponse<String> unknownPage = get("/nothing-here.html"); // outside the API too: JSON, not Jetty's text
        assertThat(unknownPage.statusCode()).isEqualTo(404);
        assertThat(json(unknownPage).get("error").asText()).contains("no such resource: GET /nothing-here.html");
        HttpResponse<String> wrongMethod = get("/v1/segment");
        assertThat(wrongMethod.statusCode()).isEqualTo(405);
        assertThat(wrongMethod.headers().firstValue("Allow")).hasValue("POST");
        assertThat(json(wrongMethod).get("error").asText())
                .isEqualTo("GET is not allowed on /v1/segment; allowed: POST");
        HttpResponse<String> escaping = get("/..%2f..%2fetc%2fpasswd"); // refused by Jetty before any route
        assertThat(escaping.statusCode()).isEqualTo(400);
        assertThat(json(escaping).get("error").asText()).startsWith("request refused (400): ");
        assertThat(post("/v1/segment", good).statusCode()).isEqualTo(200);
    }

    @Test
    @Order(3)
    void hotSwapsUnderConcurrentLoadWithoutAFailedRequest() throws Exception {
        List<byte[]> images = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            images.add(png(image(i)));
        }
        AtomicBoolean loading = new AtomicBoolean(true);
        AtomicInteger succeeded = new AtomicInteger();
        ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
        Set<Long> versionsSeen = ConcurrentHashMap.newKeySet();
        List<Thread> clients = new ArrayList<>();
        for (int c = 0; c < 8; c++) {
            int client = c;
            Thread thread = new Thread(() -> {
                for (int i = 0; loading.get(); i++) {
                    try {
                        HttpResponse<byte[]> response = http.send(
                                request("/v1/segment", images.get((client + i) % images.size())),
                                HttpResponse.BodyHandlers.ofByteArray());
                        if (response.statusCode() != 200) {
                            failures.add(
                                    response.statusCode() + " " + new String(response.body(), StandardCharsets.UTF_8));
                            continue;
                        }
                        ImageCodec.decodeMask(response.body(), 96, 96); // a whole mask of the image's size
                        versionsSeen.add(Long.parseLong(
                                response.headers().firstValue("X-Model-Version").orElseThrow()));
                        succeeded.incrementAndGet();
                    } catch (Exception e) {
                        failures.add(e.toString());
                    }
                }
            });
            thread.start();
            clients.add(thread);
        }
        for (int version = 2; version <= 6; version++) {
            int servedBefore = succeeded.get();
            await("requests answered by the version in service", () -> succeeded.get() >= servedBefore + 5);
            publish(TestModels.scored(
                    TestModels.segmenter(version),
                    0.1 + 0.08 * (version - 1),
                    10L * version,
                    T0 + 60_000L * (version - 1)));
        }
        publish(TestModels.corrupted(TestModels.segmenter(7)));
        publish(TestModels.unknownArchitecture(TestModels.segmenter(8)));
        await(
                "segmenter v6 in service and both bad snapshots refused",
                () -> server.models().servingVersion("segmenter") == 6
                        && scrape().contains("seedstream_server_model_refusals_total 2.0"));
        int servedBeforeRefusals = succeeded.get();
        await("load going on after the refusals", () -> succeeded.get() >= servedBeforeRefusals + 10);
        loading.set(false);
        for (Thread thread : clients) {
            thread.join(30_000);
        }
        assertThat(failures).as("failed requests").isEmpty();
        assertThat(succeeded.get()).isGreaterThan(50);
        assertThat(versionsSeen)
                .as("versions served during the run")
                .hasSizeGreaterThanOrEqualTo(3)
                .contains(6L);
        HttpResponse<byte[]> after =
                http.send(request("/v1/segment", images.get(0)), HttpResponse.BodyHandlers.ofByteArray());
        assertThat(after.headers().firstValue("X-Model-Version")).contains("6"); // refused snapshots left v6 serving
    }

    @Test
    @Order(4)
    void segmentationAndLocalizationResultsDescribeTheImage() throws Exception {
        LabeledImage image = image(3).resized(80, 64);
        byte[] body = png(image);
        HttpResponse<byte[]> mask = http.send(request("/v1/segment", body), HttpResponse.BodyHandlers.ofByteArray());
        byte[] classes = ImageCodec.decodeMask(mask.body(), 80, 64);
        for (byte id : classes) {
            assertThat(id & 0xFF).isLessThan(TestModels.CLASSES.size());
        }
        JsonNode counts = json(post("/v1/segment?format=json", body));
        long total = 0;
        for (JsonNode c : counts.get("classes")) {
            total += c.get("pixels").asLong();
        }
        assertThat(total).isEqualTo(80 * 64);
        assertThat(counts.get("modelVersion").asLong()).isEqualTo(6);

        JsonNode cam = json(post("/v1/localize?class=cross&format=json", body));
        assertThat(cam.get("map").size())
                .isEqualTo(cam.get("width").asInt() * cam.get("height").asInt());
        assertThat(cam.get("walked").asBoolean()).isFalse(); // no affinity head published here
        assertThat(cam.get("affinityVersion").asLong()).isEqualTo(-1);
        JsonNode fickle = json(post("/v1/localize?class=cross&method=ficklenet&passes=8&format=json", body));
        assertThat(fickle.get("passes").asInt()).isEqualTo(8);
        HttpResponse<byte[]> heat = http.send(
                request("/v1/localize?class=ring&method=ficklenet&passes=4", body),
                HttpResponse.BodyHandlers.ofByteArray());
        assertThat(heat.statusCode()).isEqualTo(200);
        assertThat(ImageCodec.decodeRgb(heat.body()).width()).isEqualTo(80);
    }

    /**
     * The served segmenter, exported over HTTP, segments a 80 x 64 photo in a JVM with DJL, the core
     * and seedstream-model alone (no Flink, Kafka or server) into the mask the server gives it.
     */
    @Test
    @Order(5)
    void theExportedSegmenterSegmentsWithPlainDjlAsTheServerDoes(@TempDir Path work) throws Exception {
        HttpResponse<byte[]> export = http.send(
                signedIn(uri("/v1/models/segmenter/export")).build(), HttpResponse.BodyHandlers.ofByteArray());
        assertThat(export.statusCode()).isEqualTo(200);
        assertThat(export.headers().firstValue("Content-Type")).hasValue("application/zip");
        assertThat(export.headers().firstValue("Content-Disposition"))
                .hasValue("attachment; filename=\"segmenter-v6.zip\"");
        Path modelDir = ExportedModelCheck.unzip(export.body(), work.resolve("export"));
        assertThat(modelDir.getFileName()).hasToString("segmenter-v6");

        LabeledImage image = image(4).resized(80, 64);
        Path png = work.resolve("photo.png");
        Files.write(png, png(image));
        byte[] served = ImageCodec.decodeMask(
                http.send(request("/v1/segment", png(image)), HttpResponse.BodyHandlers.ofByteArray())
                        .body(),
                80,
                64);
        Set<Byte> classesServed = new TreeSet<>();
        for (byte id : served) {
            classesServed.add(id);
        }
        assertThat(classesServed).as("a mask of one class would compare little").hasSizeGreaterThan(1);
        assertThat(ExportedModelCheck.segment(modelDir, png, work)).isEqualTo(served);

        HttpResponse<String> classifier = get("/v1/models/classifier/export");
        assertThat(classifier.statusCode()).isEqualTo(400);
        assertThat(json(classifier).get("error").asText())
                .isEqualTo("only the segmenter can be exported, not classifier");
        assertThat(get("/v1/models/teacher/export").statusCode()).isEqualTo(404);
        HttpResponse<String> anonymous = http.send(
                HttpRequest.newBuilder(uri("/v1/models/segmenter/export")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(anonymous.statusCode()).as("the weights are training data's").isEqualTo(401);
    }

    @Test
    @Order(5)
    void listsVersionsAndExportsMetrics() throws Exception {
        JsonNode models = json(get("/v1/models"));
        assertThat(models.get("serving").get("segmenter").asLong()).isEqualTo(6);
        List<Long> segmenters = new ArrayList<>();
        for (JsonNode v : models.get("versions")) {
            if (v.get("name").asText().equals("segmenter")) {
                segmenters.add(v.get("version").asLong());
            }
        }
        assertThat(segmenters).contains(1L, 2L, 3L, 4L, 5L, 6L);
        String metrics = scrape();
        assertThat(metrics)
                .contains("seedstream_server_requests_total{route=\"/v1/segment\",status=\"200\"}")
                .contains("seedstream_server_request_duration_seconds_bucket{route=\"/v1/segment\"")
                .contains("seedstream_server_batch_size_count")
                .contains("seedstream_server_model_version{model=\"segmenter\"} 6.0")
                .contains("seedstream_server_model_swaps_total{model=\"segmenter\"} 6.0");
        Matcher largest = Pattern.compile("seedstream_server_batch_size_bucket\\{le=\"1.0\"} (\\S+)")
                .matcher(metrics);
        Matcher all =
                Pattern.compile("seedstream_server_batch_size_count (\\S+)").matcher(metrics);
        assertThat(largest.find() && all.find()).isTrue();
        assertThat(Double.parseDouble(largest.group(1)))
                .as("batches of one")
                .isLessThan(Double.parseDouble(all.group(1)));
        assertThat(json(get("/openapi.json")).get("paths").has("/v1/segment")).isTrue();
    }

    @Test
    @Order(6)
    void theLivePageShowsHeldOutScoresWithTheirSpreadRefreshedTilesAndRecentPredictionsInARealBrowser()
            throws Exception {
        ClassList classes = TestModels.CLASSES;
        for (int i = 0; i < 12; i++) { // the held-out set: masked images that nothing trains on
            LabeledImage image = image(100 + i);
            producer.send(new ProducerRecord<>(
                    TOPICS.heldOutImages(),
                    bytes(image.id()),
                    ImageRecords.encode(image, classes, true, "test", T0 + i)));
        }
        producer.flush();
        await("segmenter v6 scored on the 12 held-out images", () -> {
            List<JsonNode> scored = heldOutScores(); // one response per check: the list grows while we look
            return scored.size() == 1 && scored.get(0).get("images").asInt() == 12;
        });
        for (long version : new long[] {9, 10}) { // v7 and v8 were refused above
            publish(TestModels.scored(TestModels.segmenter(version), 0.6, 10L * version, T0 + 60_000L * version));
            await("segmenter v" + version + " scored", () -> {
                List<JsonNode> scored = heldOutScores();
                return scored.get(scored.size() - 1).get("version").asLong() == version;
            });
        }
        List<JsonNode> scores = heldOutScores();
        assertThat(scores).extracting(score -> score.get("version").asLong()).containsExactly(6L, 9L, 10L);
        for (JsonNode score : scores) { // random weights: some pixels right, not all; a spread across images
            assertThat(score.get("meanIou").asDouble()).isBetween(0.0, 1.0);
            assertThat(score.get("standardError").asDouble())
                    .isPositive()
                    .isLessThan(score.get("meanIou").asDouble() + 1e-9);
        }
        JsonNode tiles = json(get("/v1/heldout")).get("tiles");
        assertThat(tiles).hasSize(HeldOutScores.TILES);
        assertThat(tiles.get(0).get("segmenterVersion").asLong())
                .as("re-predicted by the newest")
                .isEqualTo(10);
        HttpResponse<byte[]> prediction = http.send(
                signedIn(uri(tiles.get(0).get("pictures").get("prediction").asText()))
                        .build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertThat(ImageCodec.decodeRgb(prediction.body()).width()).isEqualTo(96);

        for (int i = 0; i < 6; i++) {
            LabeledImage image = image(20 + i);
            producer.send(new ProducerRecord<>(
                    TOPICS.labeledImages(),
                    bytes(image.id()),
                    ImageRecords.encode(image, classes, true, "test", T0 + i)));
        }
        producer.flush();
        await( // images first, as the jobs produce them: a seed whose image the server has not read is not shown
                "the six images read",
                () -> scrape().contains(
                                "seedstream_server_records_read_total{topic=\"" + TOPICS.labeledImages() + "\"} 6.0"));
        for (int i = 0; i < 6; i++) {
            producer.send(new ProducerRecord<>(
                    TOPICS.seeds(), bytes(image(20 + i).id()), RecordCodec.SEED.encode(seeds(image(20 + i)))));
        }
        producer.flush();
        await(
                "six recent predictions",
                () -> json(get("/v1/recent")).get("items").size() == 6);
        JsonNode item = json(get("/v1/recent")).get("items").get(0);
        for (String picture : List.of("image", "overlay", "heatmap", "seeds")) {
            HttpResponse<byte[]> png = http.send(
                    signedIn(uri(item.get("pictures").get(picture).asText())).build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            assertThat(ImageCodec.decodeRgb(png.body()).width()).as(picture).isEqualTo(96);
        }
        assertThat(item.get("segmenterVersion").asLong()).isEqualTo(10); // the newest, published above

        Path chromium = PageCheck.chromium();
        PageCheck.Result page = PageCheck.run(chromium, server.url() + "?token=" + TOKEN, Path.of("target", "pages"));
        assertThat(page.renderedImages())
                .as("pictures decoded by the browser: 6 recent x 4, 8 held-out x 3")
                .isGreaterThanOrEqualTo(48);
        assertThat(page.brokenImages()).as("pictures that failed to load").isZero();
        assertThat(page.chartPoints()).as("held-out scores drawn").isEqualTo(3);
        assertThat(page.dom())
                .contains(">ready<")
                .contains("class=\"band\"")
                .contains("12 images")
                .contains("data-version=\"10\"")
                .contains("segmenter v10</figcaption>")
                .contains(String.format(
                        "%.3f ± %.3f (v10)",
                        scores.get(2).get("meanIou").asDouble(),
                        scores.get(2).get("standardError").asDouble()));
        assertThat(Files.size(page.screenshot())).isGreaterThan(10_000);
    }

    @Test
    @Order(7)
    void theLabelQueueShowsPendingRequestsWithTheirPicturesAndRefusesBadAnswers() throws Exception {
        for (int i = 0; i < 3; i++) {
            producer.send(new ProducerRecord<>(
                    TOPICS.unlabeledImages(), bytes("u-" + i), unlabeled("u-" + i, image(40 + i))));
        }
        producer.send(new ProducerRecord<>(TOPICS.labelRequests(), bytes("u-0"), labelRequest("u-0", 0.4, "cross")));
        producer.send(
                new ProducerRecord<>(TOPICS.labelRequests(), bytes("u-1"), labelRequest("u-1", 0.9, "ring", "bars")));
        producer.send(new ProducerRecord<>(TOPICS.labelRequests(), bytes("u-2"), labelRequest("u-2", 0.7)));
        producer.send(new ProducerRecord<>(TOPICS.labelRequests(), bytes("u-9"), labelRequest("u-9", 0.8))); // no image
        producer.send(new ProducerRecord<>(
                TOPICS.labeledImages(),
                bytes("u-2"),
                ImageRecords.encode(
                        new LabeledImage(
                                "u-2",
                                image(42).width(),
                                image(42).height(),
                                image(42).rgb(),
                                null,
                                image(42).labels()),
                        TestModels.CLASSES,
                        false,
                        LabelQueue.ORACLE,
                        T0)));
        producer.flush();
        // By priority; u-2 answered; u-9 without its image.
        await("the queue u-1, u-0", () -> {
            JsonNode read = json(get("/v1/label-requests"));
            return read.get("items").findValuesAsText("id").equals(List.of("u-1", "u-0"))
                    && read.get("withoutImage").asInt() == 1;
        });
        JsonNode queue = json(get("/v1/label-requests"));
        assertThat(queue.get("classes").toString())
                .isEqualTo("[\"cross\",\"ring\",\"bars\",\"dots\",\"checker\",\"wedge\"]");
        assertThat(queue.get("answeredByOracle").asInt())
                .as("u-2, answered by the demo's oracle")
                .isEqualTo(1);
        JsonNode first = queue.get("items").get(0);
        assertThat(first.get("guessedClasses").toString()).isEqualTo("[\"ring\",\"bars\"]");
        assertThat(first.get("reason").asText()).isEqualTo("test");
        assertThat(first.get("details").asText())
                .as("the numbers behind the reason")
                .isEqualTo("priority 0.9");
        for (String picture : List.of("image", "overlay")) {
            HttpResponse<byte[]> png = http.send(
                    signedIn(uri(first.get("pictures").get(picture).asText())).build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            assertThat(png.statusCode()).as(picture).isEqualTo(200);
            assertThat(ImageCodec.decodeRgb(png.body()).width()).as(picture).isEqualTo(96);
        }

        Map<String, HttpResponse<String>> answers = new LinkedHashMap<>();
        answers.put("no id", postForm(Map.of("classes", List.of("cross")), null));
        answers.put(
                "unknown class", postForm(Map.of("id", List.of("u-1"), "classes", List.of("cross", "unicorn")), null));
        answers.put("empty", postForm(Map.of("id", List.of("u-1")), null));
        answers.put(
                "mask of another size",
                postForm(
                        Map.of("id", List.of("u-1"), "classes", List.of("ring")),
                        ImageCodec.encodeMask(10, 10, new byte[100])));
        answers.put("not requested", postForm(Map.of("id", List.of("u-7"), "classes", List.of("ring")), null));
        answers.put("answered already", postForm(Map.of("id", List.of("u-2"), "classes", List.of("ring")), null));
        answers.put(
                "another site's page",
                postForm(Map.of("id", List.of("u-1"), "classes", List.of("ring")), null, "http://elsewhere.example"));
        Map<String, Integer> expected = Map.of(
                "no id",
                400,
                "unknown class",
                400,
                "empty",
                400,
                "mask of another size",
                400,
                "not requested",
                404,
                "answered already",
                409,
                "another site's page",
                403);
        expected.forEach((what, status) -> {
            assertThat(answers.get(what).statusCode())
                    .as(what + ": " + answers.get(what).body())
                    .isEqualTo(status);
            assertThat(json(answers.get(what)).get("error").asText()).as(what).isNotBlank();
        });
        assertThat(json(answers.get("unknown class")).get("error").asText())
                .contains("unicorn")
                .contains("cross, ring");
        assertThat(json(answers.get("not requested")).get("error").asText())
                .isEqualTo("no pending label request for image 'u-7'");
        HttpResponse<String> malformed = http.send(
                signedIn(uri("/v1/labels"))
                        .timeout(Duration.ofSeconds(60))
                        .header("Content-Type", "multipart/form-data; boundary=xyz")
                        .POST(HttpRequest.BodyPublishers.ofString(
                                "--xyz\r\nContent-Disposition: form-data; name=\"id\"\r\n\r\nu-1"))
                        .build(),
                HttpResponse.BodyHandlers.ofString()); // no closing boundary
        assertThat(malformed.statusCode()).as(malformed.body()).isEqualTo(400);
        assertThat(json(malformed).get("error").asText()).startsWith("the body is not a readable multipart form");
        assertThat(json(answers.get("empty")).get("error").asText()).contains("tick the classes present");

        byte[] mask = image(41).mask().clone(); // u-1's true mask; ring ticked
        HttpResponse<String> accepted =
                postForm(Map.of("id", List.of("u-1"), "classes", List.of("ring")), ImageCodec.encodeMask(96, 96, mask));
        assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(201);
        LabeledImageRecord written = labeledOnTopic("u-1");
        List<String> maskClasses = new ArrayList<>();
        for (int id = 1; id < TestModels.CLASSES.size(); id++) {
            for (byte value : mask) {
                if ((value & 0xFF) == id) {
                    maskClasses.add(TestModels.CLASSES.names().get(id));
                    break;
                }
            }
        }
        TreeSet<String> labels = new TreeSet<>(maskClasses);
        labels.add("ring");
        assertThat(written.getLabels()).containsExactlyInAnyOrderElementsOf(labels);
        assertThat(ImageCodec.decodeMask(Bytes.toArray(written.getMask()), 96, 96))
                .isEqualTo(mask);
        assertThat(json(accepted).get("offset").asLong()).isGreaterThanOrEqualTo(0);
        assertThat(json(get("/v1/label-requests")).get("items").findValuesAsText("id"))
                .containsExactly("u-0");
        assertThat(postForm(Map.of("id", List.of("u-1"), "classes", List.of("ring")), null)
                        .statusCode())
                .as("the same answer twice")
                .isEqualTo(409);
    }

    @Test
    @Order(8)
    void aPersonLabelsAnImageOnTheLabelingPageInARealBrowser() throws Exception {
        Path chromium = PageCheck.chromium();
        Path output = Files.createDirectories(Path.of("target", "pages"));
        producer.send(new ProducerRecord<>(TOPICS.unlabeledImages(), bytes("u-3"), unlabeled("u-3", image(43))));
        producer.send(new ProducerRecord<>(TOPICS.labelRequests(), bytes("u-3"), labelRequest("u-3", 0.2, "wedge")));
        producer.flush();
        Path maskFile = output.resolve("u-3-mask.png");
        Files.write(maskFile, ImageCodec.encodeMask(96, 96, image(43).mask()));
        try (Browser browser = Browser.start(chromium, output.resolve("chromium-label.log"))) {
            browser.open(server.url() + "label.html?token=" + TOKEN);
            String card = ".request[data-id='u-0']";
            browser.waitFor(
                    "u-0's pictures",
                    "document.querySelectorAll(\"" + card + " img[data-loaded='true']\").length === 2");
            assertThat(browser.evaluate("document.querySelector(\"" + card + " label.guess\").textContent.trim()")
                            .asText())
                    .as("the guess is marked")
                    .isEqualTo("cross");

            browser.click(card + " button[type=submit]"); // nothing ticked
            browser.waitFor("the refusal", "document.querySelector(\"" + card + " .message.error\") !== null");
            assertThat(browser.evaluate("document.querySelector(\"" + card + " .message\").textContent")
                            .asText())
                    .contains("empty answer")
                    .contains("tick the classes present");

            browser.click(card + " input[value=cross]");
            browser.click(card + " input[value=dots]");
            browser.click(card + " button[type=submit]");
            browser.waitFor("the confirmation", "document.querySelector(\"" + card + " .message.done\") !== null");
            assertThat(browser.evaluate("document.querySelector(\"" + card + " .message\").textContent")
                            .asText())
                    .contains("Sent: cross, dots")
                    .contains(TOPICS.labeledImages());
            browser.screenshot(output.resolve("label-page.png"));

            String second = ".request[data-id='u-3']"; // a mask alone: its classes are the labels
            browser.waitFor("u-3's card", "document.querySelector(\"" + second + "\") !== null");
            browser.chooseFile(second + " input[type=file]", maskFile);
            browser.click(second + " button[type=submit]");
            browser.waitFor("the confirmation", "document.querySelector(\"" + second + " .message.done\") !== null");
            assertThat(browser.evaluate("document.querySelector(\"" + second + " .message\").textContent")
                            .asText())
                    .contains("with a mask");
        }
        LabeledImageRecord masked = labeledOnTopic("u-3");
        assertThat(ImageCodec.decodeMask(Bytes.toArray(masked.getMask()), 96, 96))
                .isEqualTo(image(43).mask());
        assertThat(masked.getLabels())
                .containsExactlyElementsOf(Arrays.stream(image(43).labels())
                        .sorted()
                        .mapToObj(TestModels.CLASSES.names()::get)
                        .toList());
        LabeledImageRecord written = labeledOnTopic("u-0");
        assertThat(written.getLabels()).containsExactly("cross", "dots");
        assertThat(written.getSource()).isEqualTo("labeling page");
        assertThat(written.getMask()).isNull();
        assertThat(ImageCodec.decodeRgb(Bytes.toArray(written.getImage())).pixels())
                .isEqualTo(image(40).rgb());
        await(
                "the queue to empty",
                () -> json(get("/v1/label-requests")).get("items").isEmpty());
    }

    /** The first labeled image with this id on images.labeled (committed records, from the start). */
    private static LabeledImageRecord labeledOnTopic(String id) throws Exception {
        try (var consumer =
                TopicReaders.committedConsumer(KafkaConnection.plain(kafka.bootstrapServers()), "test-reader")) {
            List<TopicPartition> partitions = TopicReaders.awaitPartitions(
                    consumer,
                    TOPICS.labeledImages(),
                    () -> true,
                    new TopicReaders.FeedProblem("the test reader", Duration.ofSeconds(1)));
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (System.nanoTime() < deadline) {
                for (var record : consumer.poll(Duration.ofMillis(200))) {
                    LabeledImageRecord image = RecordCodec.LABELED_IMAGE.decode(record.value());
                    if (image.getId().equals(id)) {
                        assertThat(new String(record.key(), StandardCharsets.UTF_8))
                                .isEqualTo(id);
                        return image;
                    }
                }
            }
        }
        throw new AssertionError("no labeled image " + id + " on " + TOPICS.labeledImages());
    }

    private static byte[] unlabeled(String id, LabeledImage image) throws Exception {
        return RecordCodec.LABELED_IMAGE.encode(LabeledImageRecord.newBuilder()
                .setId(id)
                .setImage(ByteBuffer.wrap(png(image)))
                .setFormat("png")
                .setSource("test")
                .setTimestampMs(T0)
                .build());
    }

    private static byte[] labelRequest(String id, double priority, String... guessed) {
        return RecordCodec.LABEL_REQUEST.encode(LabelRequest.newBuilder()
                .setImageId(id)
                .setScore(priority)
                .setReason("test")
                .setDetails("priority " + priority)
                .setGuessedClasses(List.of(guessed))
                .setModelVersion(1)
                .setTimestampMs(T0)
                .build());
    }

    /** A multipart form, as a browser sends it: the fields, and the mask file when there is one. */
    private static HttpResponse<String> postForm(Map<String, List<String>> fields, byte[] mask) throws Exception {
        return postForm(fields, mask, "http://127.0.0.1:" + server.port()); // as the page sends it
    }

    private static HttpResponse<String> postForm(Map<String, List<String>> fields, byte[] mask, String origin)
            throws Exception {
        String boundary = "----seedstream-test-boundary";
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        for (Map.Entry<String, List<String>> field : fields.entrySet()) {
            for (String value : field.getValue()) {
                body.writeBytes(bytes("--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + field.getKey()
                        + "\"\r\n\r\n" + value + "\r\n"));
            }
        }
        if (mask != null) {
            body.writeBytes(bytes(
                    "--" + boundary + "\r\nContent-Disposition: form-data; name=\"mask\"; filename=\"mask.png\"\r\n"
                            + "Content-Type: image/png\r\n\r\n"));
            body.writeBytes(mask);
            body.writeBytes(bytes("\r\n"));
        }
        body.writeBytes(bytes("--" + boundary + "--\r\n"));
        return http.send(
                signedIn(uri("/v1/labels"))
                        .timeout(Duration.ofSeconds(60))
                        .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                        .header("Origin", origin)
                        .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray()))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static SeedRecord seeds(LabeledImage image) {
        byte[] seeds = image.mask().clone();
        for (int p = 0; p < seeds.length; p += 3) {
            seeds[p] = (byte) ClassList.IGNORE; // a third unseeded
        }
        return SeedRecord.newBuilder()
                .setImageId(image.id())
                .setWidth(image.width())
                .setHeight(image.height())
                .setSeeds(ByteBuffer.wrap(seeds))
                .setPseudoLabel(ByteBuffer.wrap(image.mask()))
                .setClassifierVersion(1)
                .setSegmenterVersion(6)
                .setSeedCoverage(0.67f)
                .setPseudoLabelMiou(0.8)
                .setTimestampMs(T0 + 1000)
                .build();
    }

    private static LabeledImage image(int index) {
        return TestModels.DATA.image(index);
    }

    private static byte[] png(LabeledImage image) throws Exception {
        return ImageCodec.encodePng(image.width(), image.height(), image.rgb());
    }

    private static byte[] gif() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(new BufferedImage(8, 8, BufferedImage.TYPE_INT_RGB), "gif", out);
        return out.toByteArray();
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static List<JsonNode> heldOutScores() throws Exception {
        List<JsonNode> scores = new ArrayList<>();
        json(get("/v1/heldout")).get("scores").forEach(scores::add);
        return scores;
    }

    private static void publish(ModelSnapshotRecord record) throws Exception {
        producer.send(new ProducerRecord<>(
                        TOPICS.models(), bytes(record.getName().toString()), TestModels.encoded(record)))
                .get();
    }

    /** Every request of these tests carries the token; {@code ServerAccessTest} covers the refusals. */
    private static HttpRequest.Builder signedIn(URI uri) {
        return HttpRequest.newBuilder(uri).header("Authorization", "Bearer " + TOKEN);
    }

    private static URI uri(String path) {
        return URI.create("http://127.0.0.1:" + server.port() + path);
    }

    private static HttpRequest request(String path, byte[] body) {
        return signedIn(uri(path))
                .timeout(Duration.ofSeconds(60))
                .header("Content-Type", "image/png")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .build();
    }

    private static HttpResponse<String> post(String path, byte[] body) throws Exception {
        return http.send(request(path, body), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> get(String path) throws Exception {
        return http.send(signedIn(uri(path)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String scrape() throws Exception {
        return get("/metrics").body();
    }

    private static JsonNode json(HttpResponse<String> response) {
        try {
            return JSON.readTree(response.body());
        } catch (Exception e) {
            throw new AssertionError("not JSON (" + response.statusCode() + "): " + response.body(), e);
        }
    }

    private interface Condition {
        boolean holds() throws Exception;
    }

    private static void await(String what, Condition condition) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!condition.holds()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(100);
        }
    }
}
