package io.seedstream.server;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.seedstream.segmentation.nn.ModelName;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.function.LongSupplier;

/** The server's Prometheus metrics, in a registry of its own (several servers may share a JVM in tests). */
public final class ServerMetrics {

    public static final String CONTENT_TYPE = PrometheusTextFormatWriter.CONTENT_TYPE;

    private final PrometheusRegistry registry = new PrometheusRegistry();
    final Counter requests = Counter.builder()
            .name("seedstream_server_requests")
            .help("HTTP requests by route and status")
            .labelNames("route", "status")
            .withoutExemplars()
            .register(registry);
    final Histogram latency = Histogram.builder()
            .name("seedstream_server_request_duration_seconds")
            .help("HTTP request latency by route")
            .labelNames("route")
            .classicOnly()
            .withoutExemplars()
            .classicUpperBounds(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)
            .register(registry);
    final Histogram batchSize = Histogram.builder()
            .name("seedstream_server_batch_size")
            .help("Images per segmentation forward pass")
            .classicOnly()
            .withoutExemplars()
            .classicUpperBounds(1, 2, 4, 8, 16, 32, 64, 128)
            .register(registry);
    final Gauge queued = Gauge.builder()
            .name("seedstream_server_queued_requests")
            .help("Inference requests waiting for the model")
            .register(registry);
    final Gauge modelVersion = Gauge.builder()
            .name("seedstream_server_model_version")
            .help("Version of the model being served (-1: none yet)")
            .labelNames("model")
            .register(registry);
    final Counter swaps = Counter.builder()
            .name("seedstream_server_model_swaps")
            .help("Models put into service")
            .labelNames("model")
            .withoutExemplars()
            .register(registry);
    final Counter refusals = Counter.builder()
            .name("seedstream_server_model_refusals")
            .help("Snapshots refused (bad checksum, unknown architecture, other classes, unreadable)")
            .withoutExemplars()
            .register(registry);

    final Counter recordsRead = Counter.builder()
            .name("seedstream_server_records_read")
            .help("Committed records the server has read, by topic (models, images, seeds, held-out images)")
            .labelNames("topic")
            .withoutExemplars()
            .register(registry);

    public ServerMetrics() {
        modelVersion.labelValues(ModelName.CLASSIFIER.id()).set(-1);
        modelVersion.labelValues(ModelName.SEGMENTER.id()).set(-1);
    }

    /** Reports the pixels admitted now (see {@link PixelBudget}). */
    void pixelsInFlight(LongSupplier inFlight) {
        GaugeWithCallback.builder()
                .name("seedstream_server_pixels_in_flight")
                .help("Uploaded pixels being decoded and inferred now (bounded by server.maxPixelsInFlight)")
                .callback(callback -> callback.call(inFlight.getAsLong()))
                .register(registry);
    }

    /** The Prometheus text format. */
    public String scrape() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            PrometheusTextFormatWriter.create().write(out, registry.scrape());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString(StandardCharsets.UTF_8);
    }
}
