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
 * parallelism 1 (all samples keyed to one key, for the processing-time timer it steps on), trains on
 * new samples once {@code trainer.samplesPerStep} are in, replays while none come (see {@link #next}),
 * and emits due snapshots as model records. The whole trainer (weights, optimizer moments, buffers,
 * versions) is operator state, so a restore resumes training: versions published after the last
 * checkpoint were never committed (the sink is transactional) and are simply published again.
 */
public final class TrainFunction extends KeyedProcessFunction<Integer, StreamingTrainer.Sample, EncodedRecord>
        implements CheckpointedFunction {

    /** The published models, in the order of the gauges' slots. */
    private static final List<String> MODELS =
            List.of(ModelName.CLASSIFIER.id(), ModelName.SEGMENTER.id(), ModelName.AFFINITY.id());

    private static final long NO_TIMER = Long.MIN_VALUE;

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
    /** The timer this run set, or {@link #NO_TIMER}. */
    private transient long pendingTimerMs;
    /** How long the latest step took, and when the latest sample to train on came (processing time). */
    private transient long lastStepMs;

    private transient long lastInputMs;
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
        pendingTimerMs = NO_TIMER;
        lastInputMs = Long.MIN_VALUE / 2; // none yet
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
        int untrained = trainer.untrainedSamples();
        trainer.add(sample);
        samplesIn.inc();
        if (trainer.untrainedSamples() == untrained) {
            return; // held out to score the models: nothing to train
        }
        TimerService timers = context.timerService();
        long now = timers.currentProcessingTime();
        idleSteps = 0;
        lastInputMs = now;
        if (pendingTimerMs == NO_TIMER
                || trainer.untrainedSamples() >= config.trainer().samplesPerStep()) {
            scheduleNoLaterThan(onGrid(now), timers); // a step's worth trains soon, not after a replay pause
        }
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext context, Collector<EncodedRecord> out) {
        if (pendingTimerMs != NO_TIMER && timestamp != pendingTimerMs) {
            return; // a timer restored from the checkpoint, beside the one this run set
        }
        pendingTimerMs = NO_TIMER;
        TimerService timers = context.timerService();
        long now = timers.currentProcessingTime();
        int untrained = trainer.untrainedSamples();
        TimerStep next = next(
                untrained,
                config.trainer().samplesPerStep(),
                idleSteps,
                config.trainer().idleStepLimit());
        if (next == TimerStep.STOP) {
            publish(out);
            if (trainer.hasUnpublishedSteps()) { // not yet due: once it is, the timer publishes them
                scheduleNoLaterThan(now + config.trainer().publishEverySeconds() * 1000L, timers);
            }
            return; // otherwise no timer: the next sample starts one
        }
        if (untrained == 0) {
            idleSteps++;
        }
        if (step(out) && untrained == 0) {
            replaySteps.inc();
        }
        boolean arriving = timers.currentProcessingTime() - lastInputMs < arrivingWindowMs();
        long pause = pauseAfterMs(next, arriving, lastStepMs, config.trainer().idleStepIntervalMs());
        scheduleNoLaterThan(onGrid(timers.currentProcessingTime() + pause), timers);
    }

    /** What a timer does. */
    enum TimerStep {
        /** A step's worth of new samples or more: train on them (up to a batch of each model's), topped up with replay. */
        TRAIN,
        /** Fewer new samples (or none): a step of replay, which trains the few new ones first. */
        REPLAY,
        /** Replayed as long as allowed with nothing new: stop until a sample comes. */
        STOP
    }

    /**
     * The trainer steps on its timer only, never on the sample that completes a step: once {@code
     * samplesPerStep} new samples are in, it trains on all that are in, up to a batch (see {@link
     * #pauseAfterMs}); with fewer, it replays (training the few new ones first), at most {@code
     * idleStepLimit} steps with none at all. (Stepping on the sample that completed a step, with a
     * replay step on the timer between, capped the intake at {@code samplesPerStep} samples per
     * two steps: about 1.1 samples/s with the soak's 1.5-2 s steps on 2 cores.)
     */
    static TimerStep next(int untrained, int samplesPerStep, long idleSteps, int idleStepLimit) {
        if (untrained >= samplesPerStep) {
            return TimerStep.TRAIN;
        }
        return untrained > 0 || idleSteps < idleStepLimit ? TimerStep.REPLAY : TimerStep.STOP;
    }

    /**
     * The timer after a step is due an interval later, so that the samples that queued during the
     * step are read first (Flink serves a due timer before the next input record): a trainer that
     * fell behind trains on a batch of new samples a step and catches up. A replay step while
     * samples keep arriving is followed by a pause as long as it took, so that replay takes about
     * half the trainer's time and leaves the rest to the other jobs on its cores.
     */
    static long pauseAfterMs(TimerStep step, boolean arriving, long stepMs, long intervalMs) {
        return step == TimerStep.REPLAY && arriving ? Math.max(stepMs, intervalMs) : intervalMs;
    }

    /** How long after the latest sample samples still count as arriving: as long as a step takes. */
    private long arrivingWindowMs() {
        return Math.max(lastStepMs, config.trainer().idleStepIntervalMs());
    }

    /** On a grid of the interval, so that a timer restored from a checkpoint and a new one coincide (Flink keeps one). */
    private long onGrid(long time) {
        long interval = config.trainer().idleStepIntervalMs();
        return (time / interval + 1) * interval;
    }

    private void scheduleNoLaterThan(long time, TimerService timers) {
        if (pendingTimerMs != NO_TIMER && pendingTimerMs <= time) {
            return;
        }
        if (pendingTimerMs != NO_TIMER) {
            timers.deleteProcessingTimeTimer(pendingTimerMs);
        }
        timers.registerProcessingTimeTimer(time);
        pendingTimerMs = time;
    }

    /** One step of each model that has samples, and the due publications; false when no model had any. */
    private boolean step(Collector<EncodedRecord> out) {
        long started = System.nanoTime();
        boolean stepped = trainer.step();
        if (stepped) {
            steps.inc();
        }
        lastStepMs = (System.nanoTime() - started) / 1_000_000;
        publish(out);
        return stepped;
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
