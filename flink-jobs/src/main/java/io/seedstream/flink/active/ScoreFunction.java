package io.seedstream.flink.active;

import ai.djl.ndarray.NDManager;
import io.seedstream.flink.common.LiveModels;
import io.seedstream.flink.common.TaskDevice;
import io.seedstream.flink.common.WaitingImages;
import io.seedstream.segmentation.active.Candidate;
import io.seedstream.segmentation.active.ImageScorer;
import io.seedstream.segmentation.config.SeedStreamConfig;
import io.seedstream.segmentation.data.ClassList;
import io.seedstream.segmentation.data.LabeledImage;
import io.seedstream.segmentation.data.WorkingSize;
import io.seedstream.segmentation.nn.Autograd;
import java.util.List;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.runtime.metrics.DescriptiveStatisticsHistogram;
import org.apache.flink.streaming.api.functions.co.KeyedBroadcastProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Scores each unlabeled image (keyed by id) with the newest classifier and segmenter from the
 * broadcast models stream ({@link ImageScorer}), at the size the trainer works at. Images that
 * arrive before any classifier wait in keyed state ({@link WaitingImages}) and are scored once it comes.
 */
public final class ScoreFunction extends KeyedBroadcastProcessFunction<String, LabeledImage, byte[], Candidate> {

    private final SeedStreamConfig config;
    private final ClassList classes;
    private transient NDManager manager;
    private transient LiveModels models;
    private transient ImageScorer scorer;
    private transient WaitingImages waiting;
    private transient Histogram latency;

    public ScoreFunction(SeedStreamConfig config, ClassList classes) {
        this.config = config;
        this.classes = classes;
    }

    @Override
    public void open(OpenContext context) {
        Autograd.disableOnThisThread();
        manager = NDManager.newBaseManager(TaskDevice.of(getRuntimeContext(), config.device()));
        var metrics = getRuntimeContext().getMetricGroup();
        models = new LiveModels(manager, classes, metrics);
        scorer = new ImageScorer(config, classes);
        waiting = new WaitingImages(getRuntimeContext(), "waitingImages");
        latency = metrics.histogram("scoringLatencyMs", new DescriptiveStatisticsHistogram(1000));
    }

    @Override
    public void processElement(LabeledImage image, ReadOnlyContext context, Collector<Candidate> out) throws Exception {
        if (!models.restoreFrom(context.getBroadcastState(LiveModels.STATE))) {
            waiting.hold(List.of(image), context.timerService());
            return;
        }
        score(List.of(image), context.currentProcessingTime(), out);
    }

    @Override
    public void processBroadcastElement(byte[] message, Context context, Collector<Candidate> out) throws Exception {
        models.offer(message, context.getBroadcastState(LiveModels.STATE));
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext context, Collector<Candidate> out) throws Exception {
        waiting.onTimer(
                models.restoreFrom(context.getBroadcastState(LiveModels.STATE)),
                context.timerService(),
                images -> score(images, context.currentProcessingTime(), out));
    }

    private void score(List<LabeledImage> images, long now, Collector<Candidate> out) {
        for (LabeledImage image : images) {
            long started = System.nanoTime();
            LabeledImage resized = WorkingSize.scale(image, config.trainer().shortSide());
            scorer.score(
                            models.classifier.model(),
                            models.segmenter.model(),
                            List.of(resized),
                            models.classifier.version(),
                            now)
                    .forEach(out::collect);
            latency.update((System.nanoTime() - started) / 1_000_000);
        }
    }

    @Override
    public void close() {
        if (models != null) {
            models.close();
        }
        if (manager != null) {
            manager.close();
        }
    }
}
