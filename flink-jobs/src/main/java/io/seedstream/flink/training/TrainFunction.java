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
        lastInputMs = Long.MIN_VALUE / 2; // none yet: quiet
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
        if (trainer.untrainedSamples() >= config.trainer().samplesPerStep()) {
            scheduleNoLaterThan(onGrid(now), timers);
        } else if (pendingTimerMs == NO_TIMER) {
            scheduleNoLaterThan(onGrid(now + waitForMoreMs()), timers);
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
        boolean quiet = now - lastInputMs >= waitForMoreMs();
        TimerStep next = next(
                trainer.untrainedSamples(),
                config.trainer().samplesPerStep(),
                quiet,
                idleSteps,
                config.trainer().idleStepLimit());
        switch (next) {
            case REPLAY, TRAIN -> {
                if (next == TimerStep.REPLAY) {
                    idleSteps++;
                }
                if (step(out) && next == TimerStep.REPLAY) {
                    replaySteps.inc();
                }
                // An interval on, so that the samples that queued during the step are read first.
                scheduleNoLaterThan(
                        onGrid(timers.currentProcessingTime() + config.trainer().idleStepIntervalMs()), timers);
            }
            case WAIT -> scheduleNoLaterThan(onGrid(lastInputMs + waitForMoreMs()), timers);
            case STOP -> {
                publish(out);
                if (trainer.hasUnpublishedSteps()) { // not yet due: once it is, the timer publishes them
                    scheduleNoLaterThan(now + config.trainer().publishEverySeconds() * 1000L, timers);
                }
                // otherwise no timer: the next sample starts one
            }
        }
    }

    /** What a timer does. */
    enum TimerStep {
        /** Train on the new samples (up to a batch of each model's), topped up with replay. */
        TRAIN,
        /** Replay alone: no new sample, and none came in a while. */
        REPLAY,
        /** Samples are coming, fewer than a step's: read more before stepping. */
        WAIT,
        /** Replayed as long as allowed with nothing new: stop until a sample comes. */
        STOP
    }

    /**
     * The trainer steps when {@code samplesPerStep} new samples are in, or when fewer are and none
     * came for as long as a step takes ({@code quiet}); it replays only while none come. Steps run on
     * the timer, not on the sample that completes a step, and the timer after a step is due an interval later,
     * so that the samples that queued during the step are read first: a step trains on all of them,
     * up to a batch, and a trainer that fell behind catches up. (Stepping on the sample that completed
     * a step, with a replay step on the timer between, capped the intake at {@code samplesPerStep}
     * samples per two steps: about 1.1 samples/s with the soak's 1.5-2 s steps on 2 cores.)
     */
    static TimerStep next(int untrained, int samplesPerStep, boolean quiet, long idleSteps, int idleStepLimit) {
        if (untrained >= samplesPerStep || (quiet && untrained > 0)) {
            return TimerStep.TRAIN;
        }
        if (!quiet) {
            return TimerStep.WAIT;
        }
        return idleSteps < idleStepLimit ? TimerStep.REPLAY : TimerStep.STOP;
    }

    /** How long to wait for more samples: as long as a step takes, so that replay yields to a stream that keeps coming. */
    private long waitForMoreMs() {
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
