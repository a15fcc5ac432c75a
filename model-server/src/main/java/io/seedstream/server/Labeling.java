package io.seedstream.server;

import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.UploadedFile;
import io.javalin.security.RouteRole;
import io.seedstream.records.Bytes;
import io.seedstream.records.LabelRequest;
import io.seedstream.records.LabeledImageRecord;
import io.seedstream.records.RecordCodec;
import io.seedstream.records.Topics;
import io.seedstream.records.kafka.KafkaClients;
import io.seedstream.records.kafka.KafkaConnection;
import io.seedstream.segmentation.data.ClassList;
import io.seedstream.segmentation.data.ImageCodec;
import io.seedstream.segmentation.nn.ModelName;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;

/**
 * The labeling page's API: the queue of label requests still to answer (each with its image and
 * the served classifier's localization overlay of the classes the models guess), and the answers,
 * which go to images.labeled under the request's image id once Kafka has acknowledged them.
 */
final class Labeling implements AutoCloseable {

    private static final long WRITE_TIMEOUT_SECONDS = 30;
    private static final int OVERLAYS_KEPT = 64;

    private final Topics topics;
    private final ServedModels models;
    private final Inference inference;
    private final LabelQueue queue;
    private final LabelingFeed feed;
    private final KafkaProducer<byte[], byte[]> producer;
    private final Set<String> saving = ConcurrentHashMap.newKeySet();
    /** Rendered overlays by image id and classifier version, newest last. */
    private final Map<String, byte[]> overlays = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, byte[]> eldest) {
            return size() > OVERLAYS_KEPT;
        }
    };

    Labeling(KafkaConnection kafka, Topics topics, ServedModels models, Inference inference, long cacheBytes) {
        this.topics = topics;
        this.models = models;
        this.inference = inference;
        this.queue = new LabelQueue(cacheBytes);
        this.feed = new LabelingFeed(kafka, topics, queue);
        this.producer = KafkaClients.producer(kafka);
    }

    /** The labeling routes, each needing {@code role}: they show unlabeled images and write labels. */
    void routes(Javalin javalin, RouteRole role) {
        javalin.get("/v1/label-requests", this::list, role);
        javalin.get("/v1/label-requests/{id}/image", this::image, role);
        javalin.get("/v1/label-requests/{id}/overlay", this::overlay, role);
        javalin.post("/v1/labels", this::submit, role);
    }

    private void list(Context ctx) {
        List<Map<String, Object>> items = new ArrayList<>();
        for (LabelQueue.Pending pending : queue.pending()) {
            LabelRequest request = pending.request();
            Map<String, Object> item = new LinkedHashMap<>();
            item.put("id", pending.id());
            item.put("priority", request.getScore());
            item.put("reason", request.getReason());
            item.put("details", request.getDetails());
            item.put("guessedClasses", request.getGuessedClasses());
            item.put("modelVersion", request.getModelVersion());
            item.put("requestedMs", request.getTimestampMs());
            String base = "/v1/label-requests/" + URLEncoder.encode(pending.id(), StandardCharsets.UTF_8) + "/";
            item.put("pictures", Map.of("image", base + "image", "overlay", base + "overlay"));
            items.add(item);
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("classes", labelableClasses());
        body.put("items", items);
        body.put("withoutImage", queue.withoutImage());
        body.put("answeredByOracle", queue.answeredByOracle());
        body.put("waitingForTopic", feed.waitingFor());
        body.put("feedProblem", feed.problem());
        ctx.json(body);
    }

    private LabelQueue.Pending pending(String id) {
        if (queue.isAnswered(id)) {
            throw new ApiException(409, "image '" + id + "' is already labeled");
        }
        return queue.pending(id)
                .orElseThrow(() -> new ApiException(404, "no pending label request for image '" + id + "'"));
    }

    private void image(Context ctx) {
        LabeledImageRecord image = pending(ctx.pathParam("id")).image();
        ctx.contentType("jpeg".equals(image.getFormat()) ? "image/jpeg" : "image/png")
                .result(Bytes.toArray(image.getImage()));
    }

    private void overlay(Context ctx) throws IOException {
        LabelQueue.Pending pending = pending(ctx.pathParam("id"));
        byte[] png;
        synchronized (overlays) {
            png = overlays.get(overlayKey(pending.id(), models.servingVersion(ModelName.CLASSIFIER.id())));
        }
        if (png == null) {
            ImageCodec.Rgb image =
                    ImageCodec.decodeRgb(Bytes.toArray(pending.image().getImage()));
            Inference.Heat heat = ModelServer.await(inference.heat(image, guessedOrAll(pending.request())));
            png = Renderings.heatMap(image, heat.map());
            synchronized (overlays) {
                overlays.put(overlayKey(pending.id(), heat.classifierVersion()), png);
            }
        }
        ctx.contentType("image/png").result(png);
    }

    private static String overlayKey(String id, long classifierVersion) {
        return id + "@" + classifierVersion;
    }

    /** The classes guessed in the image; with no guess, every class the classifier knows. */
    private List<String> guessedOrAll(LabelRequest request) {
        if (!request.getGuessedClasses().isEmpty()) {
            return request.getGuessedClasses();
        }
        return labelableClasses();
    }

    /** The class names an answer may use, or none before the first classifier. */
    private List<String> labelableClasses() {
        return models.labelClasses().map(ClassList::foregroundNames).orElse(List.of());
    }

    private void submit(Context ctx) throws IOException {
        refuseOtherOrigins(ctx);
        String field = formField(ctx);
        if (field == null || field.isBlank()) {
            throw new ApiException(400, "name the image you label: form field 'id'");
        }
        String id = field.strip();
        // One answer per image at a time, so a double click cannot label an image twice.
        if (!saving.add(id)) {
            throw new ApiException(409, "an answer for image '" + id + "' is being saved");
        }
        try {
            submit(ctx, id);
        } finally {
            saving.remove(id);
        }
    }

    /**
     * The form's 'id' field, after reading the whole form: the servlet's parser fails a malformed body
     * with an IOException (undeclared, through Kotlin), which is the client's error, not the server's.
     */
    private static String formField(Context ctx) {
        try {
            ctx.uploadedFiles();
            return ctx.formParam("id");
        } catch (Exception e) {
            throw new ApiException(400, "the body is not a readable multipart form (" + e.getMessage() + ")");
        }
    }

    /** A page of another site must not answer in the name of someone who has this one open. */
    private static void refuseOtherOrigins(Context ctx) {
        String origin = ctx.header("Origin");
        if (origin == null) {
            return; // not from a browser page (curl, scripts)
        }
        String authority;
        try {
            authority = URI.create(origin).getAuthority();
        } catch (IllegalArgumentException e) {
            authority = null;
        }
        if (authority == null || !authority.equalsIgnoreCase(ctx.host())) {
            throw new ApiException(
                    403, "answers are taken only from this server's own labeling page, not from " + origin);
        }
    }

    private void submit(Context ctx, String id) throws IOException {
        ClassList classes = models.labelClasses()
                .orElseThrow(
                        () -> new ApiException(503, "no classifier in service yet, so the class names are not known"));
        LabelQueue.Pending pending = pending(id);
        UploadedFile maskFile = ctx.uploadedFile("mask");
        byte[] mask = null;
        if (maskFile != null) {
            try (InputStream content = maskFile.content()) {
                mask = content.readAllBytes();
            }
        }
        LabeledImageRecord answer =
                LabelSubmission.answer(pending, classes, ctx.formParams("classes"), mask, System.currentTimeMillis());
        RecordMetadata written = write(answer);
        queue.labeled(answer.getId(), answer.getSource());
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("id", answer.getId());
        body.put("labels", answer.getLabels());
        body.put("mask", answer.getMask() != null);
        body.put("topic", written.topic());
        body.put("partition", written.partition());
        body.put("offset", written.offset());
        ctx.status(201).json(body);
    }

    private RecordMetadata write(LabeledImageRecord answer) {
        try {
            return producer.send(new ProducerRecord<>(
                            topics.labeledImages(),
                            answer.getId().getBytes(StandardCharsets.UTF_8),
                            RecordCodec.LABELED_IMAGE.encode(answer)))
                    .get(WRITE_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApiException(503, "the server is shutting down; the answer was not saved");
        } catch (ExecutionException | TimeoutException e) {
            throw new ApiException(
                    503, "Kafka did not take the answer (" + e.getMessage() + "); it was not saved, send it again");
        }
    }

    @Override
    public void close() throws InterruptedException {
        feed.close();
        producer.close();
    }
}
