package io.seedstream.server;

import ai.djl.Device;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.MethodNotAllowedResponse;
import io.javalin.http.staticfiles.Location;
import io.seedstream.model.ExportedModel;
import io.seedstream.records.Topics;
import io.seedstream.records.kafka.KafkaConnection;
import io.seedstream.segmentation.config.SeedStreamConfig;
import io.seedstream.segmentation.data.ImageCodec;
import io.seedstream.segmentation.nn.Devices;
import io.seedstream.segmentation.nn.ModelName;
import io.seedstream.segmentation.nn.Segmenter;
import io.seedstream.segmentation.snapshot.ModelSnapshot;
import io.seedstream.server.ServerAccess.Role;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The model server: HTTP inference with the newest models from the models topic, hot-swapped
 * (see {@link ServedModels}), dynamically batched (see {@link Inference}), with Prometheus
 * metrics, an OpenAPI description ({@code /openapi.json}) and the live pages ({@code /}).
 * Every refusal is a 4xx or 503 with a JSON body {@code {"error": "..."}}; no input stops it.
 */
public final class ModelServer implements AutoCloseable {

    private static final Set<String> FORMATS = Set.of("png", "json");
    private static final long RESULT_TIMEOUT_SECONDS = 120;
    private static final Logger LOG = LoggerFactory.getLogger(ModelServer.class);
    /** The reason an error response already carries (a route's own 404 must not become "no such resource"). */
    private static final String ERROR_REASON = "seedstream.errorReason";

    private final SeedStreamConfig config;
    private final ServerMetrics metrics = new ServerMetrics();
    private final ServedModels models;
    private final Inference inference;
    private final RecentPredictions recent;
    private final HeldOutScores heldOut;
    private final ModelFeed feed;
    private final Uploads uploads;
    private final PixelBudget pixels;
    private final AccessToken token;
    private final ServerAccess access;
    private final Labeling labeling;
    private final boolean tls;
    private final Javalin app;

    private ModelServer(SeedStreamConfig config, KafkaConnection kafka, Topics topics, String host, int port) {
        this.config = config;
        SeedStreamConfig.Server settings = config.server();
        // Secrets first: a missing token file or keystore password is refused before anything starts.
        this.token = AccessToken.resolve(settings.tokenFile(), System.getenv());
        this.tls = !settings.tlsKeystore().isEmpty();
        String keystorePassword = tls ? ServerTls.password(settings, System.getenv()) : null;
        Device device = Devices.of(config.device());
        this.models = new ServedModels(device, metrics);
        this.inference = new Inference(config, models, metrics, device);
        this.recent = new RecentPredictions(inference, settings.recentPredictions());
        this.heldOut = new HeldOutScores(inference, models, settings.maxBatchSize());
        this.uploads = new Uploads(settings.maxUploadBytes(), settings.maxImageSide());
        this.pixels = new PixelBudget(settings.maxPixelsInFlight());
        metrics.pixelsInFlight(pixels::inFlight);
        this.access = new ServerAccess(token, settings, tls);
        this.labeling = new Labeling(kafka, topics, models, inference, settings.unlabeledCacheBytes());
        this.app = routes(Javalin.create(javalin -> {
            javalin.showJavalinBanner = false;
            if (tls) {
                javalin.jetty.addConnector(
                        (server, http) -> ServerTls.connector(server, http, settings, keystorePassword, host, port));
            }
            javalin.http.maxRequestSize = settings.maxUploadBytes();
            javalin.http.prefer405over404 = true; // answered below as 405 with Allow
            // Jetty answers some requests itself (a URI it refuses, before any route): in JSON too.
            javalin.jetty.modifyServer(server -> server.setErrorHandler(new JsonErrorHandler()));
            javalin.jetty.modifyServletContextHandler(handler -> handler.setErrorHandler(new JsonErrorHandler()));
            javalin.staticFiles.add(files -> {
                files.hostedPath = "/";
                files.directory = "/public";
                files.location = Location.CLASSPATH;
            });
        }));
        app.start(host, port);
        this.feed = new ModelFeed(kafka, topics, models, recent, heldOut, metrics);
    }

    /**
     * Starts serving on {@code host:port} (port 0: any free one) and starts reading the models topic.
     * Until the first segmenter arrives, readiness is 503 and segmentation requests are refused with 503.
     */
    public static ModelServer start(
            SeedStreamConfig config, KafkaConnection kafka, Topics topics, String host, int port) {
        return new ModelServer(config, kafka, topics, host, port);
    }

    public int port() {
        return app.port();
    }

    /** The address to open in a browser. */
    public String url() {
        return (tls ? "https" : "http") + "://localhost:" + port() + "/";
    }

    /**
     * The address that signs a browser in: with the token in it when the server made the token up
     * (its operator has no other way to learn it), else {@link #url()}.
     */
    public String signInUrl() {
        return token.generated() ? url() + "?token=" + token.value() : url();
    }

    public ServedModels models() {
        return models;
    }

    /** What uploads are admitted from; tests fill it to see the refusals. */
    PixelBudget pixelBudget() {
        return pixels;
    }

    private Javalin routes(Javalin javalin) {
        javalin.before(ctx -> ctx.attribute("startNanos", System.nanoTime()));
        javalin.beforeMatched(access::check);
        javalin.after(ctx -> {
            access.finished(ctx);
            count(ctx);
        });
        javalin.get("/health/live", ctx -> ctx.json(Map.of("status", "live")), Role.HEALTH);
        javalin.get("/health/ready", this::readiness, Role.HEALTH);
        javalin.post("/v1/session", access::signIn, Role.OPEN);
        javalin.get(
                "/metrics",
                ctx -> ctx.contentType(ServerMetrics.CONTENT_TYPE).result(metrics.scrape()),
                Role.INFERENCE);
        javalin.get("/v1/models", this::listModels, Role.INFERENCE);
        javalin.get("/v1/models/{name}/export", this::exportModel, Role.TRAINING_DATA);
        javalin.post("/v1/segment", this::segment, Role.INFERENCE);
        javalin.post("/v1/localize", this::localize, Role.INFERENCE);
        javalin.get("/v1/recent", this::listRecent, Role.TRAINING_DATA);
        javalin.get("/v1/recent/{id}/{picture}", this::recentPicture, Role.TRAINING_DATA);
        javalin.get("/v1/heldout", this::listHeldOut, Role.TRAINING_DATA);
        javalin.get("/v1/heldout/{id}/{picture}", this::heldOutPicture, Role.TRAINING_DATA);
        labeling.routes(javalin, Role.TRAINING_DATA);
        javalin.exception(ApiException.class, (e, ctx) -> {
            if (e.retryAfterSeconds() > 0) {
                ctx.header("Retry-After", String.valueOf(e.retryAfterSeconds()));
            }
            error(ctx, e.status(), e.getMessage());
        });
        javalin.exception(MethodNotAllowedResponse.class, (e, ctx) -> {
            String allowed = String.join(", ", e.getDetails().values()); // Javalin's one entry: the path's methods
            ctx.header("Allow", allowed);
            error(ctx, 405, ctx.method() + " is not allowed on " + ctx.path() + "; allowed: " + allowed);
        });
        javalin.exception(Inference.NotReadyException.class, (e, ctx) -> error(ctx, 503, e.getMessage()));
        javalin.exception(Inference.OverloadedException.class, (e, ctx) -> error(ctx, 503, e.getMessage()));
        javalin.exception(Exception.class, (e, ctx) -> {
            LOG.error("{} {} failed", ctx.method(), ctx.path(), e);
            error(ctx, 500, "internal error: " + e);
        });
        javalin.error(404, ctx -> {
            if (ctx.attribute(ERROR_REASON) == null) { // no route, no file; a route's own 404 keeps its reason
                error(
                        ctx,
                        404,
                        "no such resource: " + ctx.method() + " " + ctx.path()
                                + " (the API is described at /openapi.json)");
            }
        });
        return javalin;
    }

    private static void error(Context ctx, int status, String reason) {
        ctx.attribute(ERROR_REASON, reason);
        ctx.status(status).json(Map.of("error", reason));
    }

    private void count(Context ctx) {
        Long started = ctx.attribute("startNanos");
        String route = ctx.endpointHandlerPath();
        if (route == null || route.isEmpty() || route.equals("*")) {
            route = ctx.status().getCode() == 404 ? "unmatched" : "static";
        }
        metrics.requests
                .labelValues(route, String.valueOf(ctx.status().getCode()))
                .inc();
        if (started != null) {
            metrics.latency.labelValues(route).observe((System.nanoTime() - started) / 1e9);
        }
    }

    private void readiness(Context ctx) {
        Map<String, Object> body = new LinkedHashMap<>();
        boolean overloaded = pixels.overloaded(System.nanoTime());
        body.put("status", overloaded ? "overloaded" : models.ready() ? "ready" : "not ready");
        body.put("pixelsInFlight", pixels.inFlight());
        body.put("classifierVersion", models.servingVersion(ModelName.CLASSIFIER.id()));
        body.put("segmenterVersion", models.servingVersion(ModelName.SEGMENTER.id()));
        body.put("affinityVersion", models.servingVersion(ModelName.AFFINITY.id()));
        body.put("modelsTopicRead", feed != null && feed.caughtUp());
        String feedProblem = feed == null ? null : feed.problem();
        if (feedProblem != null) {
            body.put("modelFeedProblem", feedProblem);
        }
        if (overloaded) {
            body.put("reason", "uploads were turned away for load in the last few seconds (server.maxPixelsInFlight)");
        } else if (!models.ready()) {
            body.put(
                    "reason",
                    feedProblem != null
                            ? "the models topic cannot be read: " + feedProblem
                            : "no segmenter on the models topic yet");
        }
        ctx.status(models.ready() && !overloaded ? 200 : 503).json(body);
    }

    private void listModels(Context ctx) {
        ctx.json(Map.of(
                "serving",
                        Map.of(
                                ModelName.CLASSIFIER.id(),
                                models.servingVersion(ModelName.CLASSIFIER.id()),
                                ModelName.SEGMENTER.id(),
                                models.servingVersion(ModelName.SEGMENTER.id()),
                                ModelName.AFFINITY.id(),
                                models.servingVersion(ModelName.AFFINITY.id())),
                "versions", models.history()));
    }

    /** The segmenter in service as a DJL model directory, zipped ({@link ExportedModel}). */
    private void exportModel(Context ctx) throws IOException {
        String name = ctx.pathParam("name");
        if (!name.equals(ModelName.SEGMENTER.id())) {
            throw new ApiException(
                    ModelName.of(name).isPresent() ? 400 : 404,
                    "only the " + ModelName.SEGMENTER.id() + " can be exported, not " + name);
        }
        Map<String, byte[]> files;
        long version;
        try (ServedModels.Lease<Segmenter> lease =
                models.lease(name, Segmenter.class).orElseThrow(() -> new Inference.NotReadyException(name))) {
            version = lease.version();
            ModelSnapshot snapshot = ModelSnapshot.of(name, version, lease.network(), lease.classes());
            files = ExportedModel.files(snapshot, config.trainer().shortSide());
        }
        String folder = name + "-v" + version;
        ByteArrayOutputStream zip = new ByteArrayOutputStream();
        ExportedModel.zip(files, folder, zip);
        ctx.contentType("application/zip")
                .header("Content-Disposition", "attachment; filename=\"" + folder + ".zip\"")
                .result(zip.toByteArray());
    }

    private void segment(Context ctx) throws IOException {
        String format = format(ctx);
        try (Upload upload = upload(ctx)) {
            segment(ctx, format, upload);
        }
    }

    private void segment(Context ctx, String format, Upload upload) throws IOException {
        Inference.Segmentation result = await(upload.heldUntil(inference.segment(upload.image())));
        ctx.header("X-Model-Version", String.valueOf(result.modelVersion()));
        ctx.header("X-Batch-Size", String.valueOf(result.batchSize()));
        if (format.equals("png")) {
            ctx.contentType("image/png").result(ImageCodec.encodeMask(result.width(), result.height(), result.mask()));
            return;
        }
        long[] pixels = new long[result.classes().size()];
        for (byte id : result.mask()) {
            pixels[id & 0xFF]++;
        }
        List<Map<String, Object>> classes = new ArrayList<>();
        for (int id = 0; id < pixels.length; id++) {
            classes.add(Map.of("id", id, "name", result.classes().get(id), "pixels", pixels[id]));
        }
        ctx.json(Map.of(
                "modelVersion",
                result.modelVersion(),
                "width",
                result.width(),
                "height",
                result.height(),
                "batchSize",
                result.batchSize(),
                "classes",
                classes));
    }

    private void localize(Context ctx) throws IOException {
        String format = format(ctx);
        String className = ctx.queryParam("class");
        if (className == null || className.isBlank()) {
            throw new ApiException(400, "name the class to localize: ?class=NAME");
        }
        String method = ctx.queryParamAsClass("method", String.class).getOrDefault("cam");
        int passes =
                switch (method) {
                    case "cam" -> 0;
                    case "ficklenet" -> passes(ctx);
                    default -> throw new ApiException(400, "method must be cam or ficklenet, was '" + method + "'");
                };
        try (Upload upload = upload(ctx)) {
            localize(ctx, format, method, upload, className, passes);
        }
    }

    private void localize(Context ctx, String format, String method, Upload upload, String className, int passes)
            throws IOException {
        ImageCodec.Rgb image = upload.image();
        Inference.Localization map = await(upload.heldUntil(inference.localize(image, className, passes)));
        ctx.header("X-Model-Version", String.valueOf(map.modelVersion()));
        ctx.header("X-Affinity-Version", String.valueOf(map.affinityVersion()));
        if (format.equals("png")) {
            ctx.contentType("image/png").result(Renderings.heatMap(image, map.upsampled()));
            return;
        }
        ctx.json(Map.of(
                "modelVersion",
                map.modelVersion(),
                "walked",
                map.walked(),
                "affinityVersion",
                map.affinityVersion(),
                "class",
                map.className(),
                "method",
                method,
                "passes",
                map.passes(),
                "width",
                map.mapWidth(),
                "height",
                map.mapHeight(),
                "map",
                map.map()));
    }

    private int passes(Context ctx) {
        int max = config.server().maxLocalizationPasses();
        String text = ctx.queryParam("passes");
        try {
            int passes = text == null ? Math.min(config.ficklenet().passes(), max) : Integer.parseInt(text);
            if (passes < 1 || passes > max) {
                throw new NumberFormatException();
            }
            return passes;
        } catch (NumberFormatException e) {
            throw new ApiException(
                    400,
                    "passes must be a whole number from 1 to " + max + " (server.maxLocalizationPasses), was '" + text
                            + "'");
        }
    }

    private static String format(Context ctx) {
        String format = ctx.queryParamAsClass("format", String.class)
                .getOrDefault(
                        ctx.header("Accept") != null && ctx.header("Accept").contains("application/json")
                                ? "json"
                                : "png");
        if (!FORMATS.contains(format)) {
            throw new ApiException(400, "format must be png or json, was '" + format + "'");
        }
        return format;
    }

    /**
     * A decoded upload and its share of the pixel budget: given back when the request is done, or, if
     * the request stopped waiting for its inference (a timeout), when the inference is.
     */
    private static final class Upload implements AutoCloseable {
        private final ImageCodec.Rgb image;
        private final PixelBudget.Ticket ticket;
        private CompletableFuture<?> work;

        Upload(ImageCodec.Rgb image, PixelBudget.Ticket ticket) {
            this.image = image;
            this.ticket = ticket;
        }

        ImageCodec.Rgb image() {
            return image;
        }

        /** The inference working on this image: the pixels stay counted until it is done. */
        <T> CompletableFuture<T> heldUntil(CompletableFuture<T> inference) {
            this.work = inference;
            return inference;
        }

        @Override
        public void close() {
            if (work == null || work.isDone()) {
                ticket.close();
            } else {
                work.whenComplete((result, failure) -> ticket.close());
            }
        }
    }

    /** Reads the body, admits its pixels (from the image's header, its sides checked first) and only then decodes it. */
    private Upload upload(Context ctx) throws IOException {
        byte[] bytes = uploads.read(ctx.req().getInputStream(), ctx.req().getContentLengthLong());
        PixelBudget.Ticket ticket = pixels.admit(uploads.pixels(bytes), System.nanoTime());
        try {
            return new Upload(uploads.decode(bytes), ticket);
        } catch (Throwable e) { // an OutOfMemoryError too: the pixels must not stay counted
            ticket.close();
            throw e;
        }
    }

    static <T> T await(CompletableFuture<T> result) {
        try {
            return result.get(RESULT_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApiException(503, "the server is shutting down");
        } catch (TimeoutException e) {
            throw new ApiException(503, "no result within " + RESULT_TIMEOUT_SECONDS + " s; the server is overloaded");
        } catch (ExecutionException e) {
            throw refusal(e.getCause());
        }
    }

    private static RuntimeException refusal(Throwable cause) {
        if (cause instanceof IllegalArgumentException) {
            return new ApiException(400, cause.getMessage());
        }
        if (cause instanceof Inference.NotReadyException || cause instanceof IllegalStateException) {
            return new ApiException(503, cause.getMessage());
        }
        return cause instanceof RuntimeException runtime ? runtime : new IllegalStateException(cause);
    }

    private void listRecent(Context ctx) {
        List<RecentPredictions.Item> recentItems = recent.items();
        List<Map<String, Object>> items = new ArrayList<>();
        for (RecentPredictions.Item item : recentItems) {
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("id", item.id());
            json.put("labels", item.labels());
            json.put("enteredMs", item.enteredMs());
            json.put("seededMs", item.seededMs());
            json.put("classifierVersion", item.classifierVersion());
            json.put("segmenterVersion", item.segmenterVersion());
            json.put("seedCoverage", item.seedCoverage());
            json.put("pseudoLabelMiou", item.pseudoLabelMiou());
            json.put("predictionMiou", item.predictionMiou());
            String base = "/v1/recent/" + URLEncoder.encode(item.id(), StandardCharsets.UTF_8) + "/";
            json.put(
                    "pictures",
                    Map.of(
                            "image",
                            base + "image",
                            "overlay",
                            base + "overlay",
                            "heatmap",
                            base + "heatmap",
                            "seeds",
                            base + "seeds"));
            items.add(json);
        }
        ctx.json(Map.of("items", items, "colours", colours(recentItems)));
    }

    /** Each class's colour in the pictures, for the page's legend. */
    private static Map<String, String> colours(List<RecentPredictions.Item> items) {
        Map<String, String> colours = new LinkedHashMap<>();
        List<String> classes = items.isEmpty() ? List.of() : items.get(0).classes();
        for (int id = 0; id < classes.size(); id++) {
            colours.put(classes.get(id), String.format("#%06x", Renderings.colour(id)));
        }
        return colours;
    }

    private void recentPicture(Context ctx) {
        RecentPredictions.Item item = recent.item(ctx.pathParam("id"))
                .orElseThrow(
                        () -> new ApiException(404, "no recent prediction for image '" + ctx.pathParam("id") + "'"));
        png(ctx, item.picture(ctx.pathParam("picture")), "image, overlay, heatmap and seeds");
    }

    /**
     * A picture of the live page, cached by the browser only (its address changes when it does; a
     * shared cache must not keep what the token guards); else 404 naming the ones there are.
     */
    private static void png(Context ctx, Optional<byte[]> picture, String pictures) {
        ctx.header("Cache-Control", "private, max-age=3600")
                .header("Vary", "Cookie, Authorization")
                .contentType("image/png")
                .result(picture.orElseThrow(() ->
                        new ApiException(404, "no picture '" + ctx.pathParam("picture") + "'; there are " + pictures)));
    }

    /** Every scored segmenter version on the held-out images, and the tiles re-predicted by the newest. */
    private void listHeldOut(Context ctx) {
        List<Map<String, Object>> tiles = new ArrayList<>();
        for (HeldOutScores.Tile tile : heldOut.tiles()) {
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("id", tile.id());
            json.put("segmenterVersion", tile.version());
            json.put("miou", tile.miou());
            String base = "/v1/heldout/" + URLEncoder.encode(tile.id(), StandardCharsets.UTF_8) + "/";
            String version =
                    "?v=" + tile.version(); // a new prediction is a new address: the browser's copy is never stale
            json.put(
                    "pictures",
                    Map.of(
                            "image",
                            base + "image",
                            "truth",
                            base + "truth",
                            "prediction",
                            base + "prediction" + version));
            tiles.add(json);
        }
        ctx.json(Map.of("images", heldOut.images(), "scores", heldOut.scores(), "tiles", tiles));
    }

    private void heldOutPicture(Context ctx) {
        HeldOutScores.Tile tile = heldOut.tile(ctx.pathParam("id"))
                .orElseThrow(() -> new ApiException(404, "no held-out tile for image '" + ctx.pathParam("id") + "'"));
        png(ctx, tile.picture(ctx.pathParam("picture")), "image, truth and prediction");
    }

    @Override
    public void close() throws InterruptedException {
        app.stop(); // no new requests first: an answer in progress still reaches Kafka
        feed.close();
        heldOut.close();
        labeling.close();
        inference.close();
        recent.close();
        models.close();
    }
}
