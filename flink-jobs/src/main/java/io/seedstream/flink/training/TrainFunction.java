package io.seedstream.flink.training;

import ai.djl.ndarray.NDManager;
import io.seedstream.flink.common.EncodedRecord;
import io.seedstream.flink.common.ModelRecords;
import io.seedstream.flink.common.TaskDevice;
import io.seedstream.records.RecordCodec;
import io.seedstream.segmentation.config.SeedStreamConfig;
import io.seedstream.segmentation.data.ClassList;
import io.seedstream.segmentation.nn.ModelName;
import io.seedstream.segmentation.snapshot.ModelSnapshot;
import io.seedstream.segmentation.train.StreamingTrainer;
import java.util.Arrays;
import java.util.List;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.execution.SuppressRestartsException;
import org.apache.flink.runtime.metrics.DescriptiveStatisticsHistogram;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.TimerService;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * The trainer as a Flink operator, a thin adapter over {@link StreamingTrainer}: it runs at
 * parallelism 1 (all samples keyed to one key, for the processing-time timers), steps after every
 * {@code trainer.samplesPerStep} new samples and, while no new ones come, on a timer (pausing
 * between such steps while samples still arrive, so that they are read first), and emits
 * due snapshots as model records. The whole trainer (weights, optimizer moments, buffers,
 * versions) is operator state, so a restore resumes training: versions published after the last
 * checkpoint were never committed (the sink is transactional) and are simply published again.
 */
public final class TrainFunction extends KeyedProcessFunction<Integer, StreamingTrainer.Sample, EncodedRecord>
        implements CheckpointedFunction {

    /** The published models, in the order of the gauges' slots. */
    private static final List<String> MODELS =
            List.of(ModelName.CLASSIFIER.id(), ModelName.SEGMENTER.id(), ModelName.AFFINITY.id());

    /** The single key all samples go to. */
    public static final int KEY = 0;

    private final SeedStreamConfig config;
    private final ClassList classes;
    private transient ListState<byte[]> checkpointed;
    private transient byte[] restored;
    private transient NDManager manager;
    private transient StreamingTrainer trainer;
    private transient long lastPublishedMs;
    private transient long idleSteps;
    private transient boolean timerSet;
    /** How long the latest step took, and whether a sample came since the latest step on the timer. */
    private transient long lastStepMs;

    private transient boolean inputSinceTimerStep;
    private transient Counter steps;
    private transient Counter samplesIn;
    private transient Counter replaySteps;
    private transient Histogram freshness;
    private transient long[] publishedVersion;
    private transient double[] publishedMiou;

    public TrainFunction(SeedStreamConfig config, ClassList classes) {
        this.config = config;
        this.classes = classes;
    }

    @Override
    public void initializeState(FunctionInitializationContext context) throws Exception {
        checkpointed = context.getOperatorStateStore()
                .getListState(
                        new ListStateDescriptor<>("trainer", PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO));
        if (context.isRestored()) {
            for (byte[] saved : checkpointed.get()) {
                restored = saved;
            }
        }
    }

    @Override
    public void open(OpenContext context) {
        manager = NDManager.newBaseManager(TaskDevice.of(getRuntimeContext(), config.device()));
        trainer = new StreamingTrainer(config, classes, manager);
        if (restored != null) {
            trainer.restore(restored);
            restored = null;
        } else {
            try {
                WarmStart.apply(config.trainer(), trainer);
            } catch (IllegalArgumentException e) { // a restart would read the same file again
                throw new SuppressRestartsException(e);
            }
        }
        lastPublishedMs = System.currentTimeMillis();
        publishedVersion = new long[] {-1, -1, -1};
        publishedMiou = new double[] {Double.NaN, Double.NaN, Double.NaN};
        MetricGroup metrics = getRuntimeContext().getMetricGroup();
        steps = metrics.counter("trainerSteps");
        samplesIn = metrics.counter("trainerSamples");
        replaySteps = metrics.counter("replaySteps");
        metrics.gauge("stepMs", () -> lastStepMs);
        freshness = metrics.histogram("segmenterFreshnessMs", new DescriptiveStatisticsHistogram(1000));
        metrics.gauge("classifierLoss", trainer::lastClassifierLoss);
        metrics.gauge("segmenterLoss", trainer::lastSegmenterLoss);
        metrics.gauge("evalImages", trainer::evalSetSize);
        metrics.gauge("skippedSteps", trainer::divergedSteps);
        metrics.gauge("refusedVersions", trainer::refusedVersions);
        metrics.gauge("publishedClassifierVersion", () -> publishedVersion[0]);
        metrics.gauge("publishedSegmenterVersion", () -> publishedVersion[1]);
        metrics.gauge("publishedClassifierEvalMiou", () -> publishedMiou[0]);
        metrics.gauge("publishedSegmenterEvalMiou", () -> publishedMiou[1]);
        metrics.gauge("publishedAffinityVersion", () -> publishedVersion[2]);
        metrics.gauge("publishedAffinityEvalMiou", () -> publishedMiou[2]);
    }

    @Override
    public void processElement(StreamingTrainer.Sample sample, Context context, Collector<EncodedRecord> out) {
        trainer.add(sample);
        samplesIn.inc();
        idleSteps = 0;
        inputSinceTimerStep = true;
        while (trainer.untrainedSamples() >= config.trainer().samplesPerStep()) {
            step(out);
        }
        if (!timerSet) {
            scheduleIdleStep(context.timerService().currentProcessingTime(), context.timerService());
        }
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext context, Collector<EncodedRecord> out) {
        timerSet = false;
        boolean hasNew = trainer.untrainedSamples() > 0;
        if (hasNew || idleSteps < config.trainer().idleStepLimit()) {
            if (!hasNew) {
                idleSteps++;
                replaySteps.inc();
            }
            step(out);
            TimerService timers = context.timerService();
            long pause = pauseAfterTimerStepMs(lastStepMs, inputSinceTimerStep);
            scheduleIdleStep(
                    pause == 0 ? timestamp : timers.currentProcessingTime() + pause, timers); // no pause: due at once
            inputSinceTimerStep = false;
        } else {
            publish(out); // whatever the last idle steps left unpublished
        }
    }

    /**
     * While samples keep arriving, a step on the timer is followed by a pause as long as it took:
     * Flink serves a due timer before the next input record, so back-to-back replay steps would
     * read one record per step, and new samples would wait minutes behind replay (on 2 cores, with
     * CamVid, the trainer had trained on 28 of 122 committed seeds). The pause lets the input drain
     * and train first; with no input, replay runs back to back.
     */
    static long pauseAfterTimerStepMs(long stepMs, boolean inputArriving) {
        return inputArriving ? stepMs : 0;
    }

    /** On a grid of the interval, so that a timer restored from a checkpoint and a new one coincide (Flink keeps one). */
    private void scheduleIdleStep(long now, TimerService timers) {
        long interval = config.trainer().idleStepIntervalMs();
        timers.registerProcessingTimeTimer((now / interval + 1) * interval);
        timerSet = true;
    }

    private void step(Collector<EncodedRecord> out) {
        long started = System.nanoTime();
        if (trainer.step()) {
            steps.inc();
        }
        lastStepMs = (System.nanoTime() - started) / 1_000_000;
        publish(out);
    }

    private void publish(Collector<EncodedRecord> out) {
        long now = System.currentTimeMillis();
        List<StreamingTrainer.Publication> due = trainer.publishDue(now, lastPublishedMs);
        if (due.isEmpty()) {
            return;
        }
        lastPublishedMs = now;
        for (StreamingTrainer.Publication publication : due) {
            ModelSnapshot snapshot = publication.snapshot();
            int slot = MODELS.indexOf(snapshot.name());
            publishedVersion[slot] = snapshot.version();
            publishedMiou[slot] = publication.evalMiou() == null ? Double.NaN : publication.evalMiou();
            if (snapshot.name().equals(ModelName.SEGMENTER.id())) {
                Arrays.stream(publication.newSampleTimestampsMs()).forEach(t -> freshness.update(now - t));
            }
            out.collect(new EncodedRecord(
                    snapshot.name(),
                    RecordCodec.MODEL_SNAPSHOT.encode(ModelRecords.of(
                            snapshot,
                            publication.step(),
                            publication.evalMiou(),
                            now,
                            publication.newSampleTimestampsMs()))));
        }
    }

    @Override
    public void snapshotState(FunctionSnapshotContext context) throws Exception {
        checkpointed.update(List.of(trainer.save()));
    }

    @Override
    public void close() {
        if (trainer != null) {
            trainer.close();
        }
        if (manager != null) {
            manager.close();
        }
    }
}
