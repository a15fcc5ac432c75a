package io.seedstream.flink.active;

import io.seedstream.flink.common.EncodedRecord;
import io.seedstream.records.LabelRequest;
import io.seedstream.records.RecordCodec;
import io.seedstream.segmentation.active.Candidate;
import io.seedstream.segmentation.active.LabelSelector;
import io.seedstream.segmentation.config.SeedStreamConfig;
import io.seedstream.segmentation.data.ClassList;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.StateTtlConfig;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.runtime.metrics.DescriptiveStatisticsHistogram;
import org.apache.flink.streaming.api.functions.co.KeyedCoProcessFunction;
import org.apache.flink.util.Collector;

/**
 * The budgeted selector, one instance (all inputs under one key). Scored images gather in the
 * window (the pool); once {@code active.windowSize} have gathered, the {@link LabelSelector} picks
 * the best {@code active.batchSize} (never more than the budget left), they leave as label requests,
 * and the rest of the window is passed over. So people are asked about batchSize of every
 * windowSize images, however fast they stream. A window still partial {@code active.selectEveryMs}
 * after its first image is ranked as it is, for its share of a batch (fractions carry over).
 * Everything that decides what is asked is keyed state: the window, the asked images (with their
 * thumbnails, for near-duplicates), the labels seen per class (from images.labeled) and the images
 * already labeled. With the exactly-once sink a restart neither loses a request (state and
 * transactions roll back together) nor repeats one (an image asked never enters the window again;
 * one labeled or set aside as a duplicate not within {@code stream.duplicateIdRetentionSeconds},
 * after which its id is forgotten, as the ingest forgets ids, so that this state does not grow with
 * every image ever labeled).
 */
public final class SelectFunction extends KeyedCoProcessFunction<String, Candidate, LabelFeedback, EncodedRecord> {

    /** An asked image: when, and its thumbnail. */
    public record Asked(long askedAtMs, float[] thumbnail) {}

    private final SeedStreamConfig.Active config;
    private final ClassList classes;
    private final Duration settledRetention;
    private transient LabelSelector selector;
    private transient MapState<String, Candidate> pool;
    private transient MapState<String, Asked> asked;
    private transient MapState<String, Boolean> settled;
    private transient MapState<Integer, Long> labelsSeen;
    private transient ValueState<Long> timer;
    /** The fraction of a request partial windows have earned but not yet asked. */
    private transient ValueState<Double> owedShare;

    private transient Counter requests;
    private transient Counter answers;
    private transient Counter duplicates;
    private transient Counter passedOver;
    private transient Histogram labelLatency;
    /** Mirrors of state for the gauges (metrics are read outside any key's context). */
    private transient volatile int poolSize;

    private transient volatile double meanUncertainty;
    private transient volatile int budgetLeft;

    /** @param settledRetention how long a labeled or duplicate image's id is remembered */
    public SelectFunction(SeedStreamConfig.Active config, ClassList classes, Duration settledRetention) {
        this.config = config;
        this.classes = classes;
        this.settledRetention = settledRetention;
    }

    @Override
    public void open(OpenContext context) {
        selector = new LabelSelector(config, classes);
        var state = getRuntimeContext();
        pool = state.getMapState(new MapStateDescriptor<>("pool", Types.STRING, TypeInformation.of(Candidate.class)));
        asked = state.getMapState(new MapStateDescriptor<>("asked", Types.STRING, TypeInformation.of(Asked.class)));
        // Flink 2.2 restores the state of the release before, which had no time-to-live, into this one.
        MapStateDescriptor<String, Boolean> settledDescriptor =
                new MapStateDescriptor<>("settled", Types.STRING, Types.BOOLEAN);
        settledDescriptor.enableTimeToLive(
                StateTtlConfig.newBuilder(settledRetention).build());
        settled = state.getMapState(settledDescriptor);
        labelsSeen = state.getMapState(new MapStateDescriptor<>("labelsSeen", Types.INT, Types.LONG));
        timer = state.getState(new ValueStateDescriptor<>("selectionTimer", Types.LONG));
        owedShare = state.getState(new ValueStateDescriptor<>("owedShare", Types.DOUBLE));
        var metrics = state.getMetricGroup();
        requests = metrics.counter("labelRequestsEmitted");
        answers = metrics.counter("labelRequestsAnswered");
        duplicates = metrics.counter("nearDuplicatesSkipped");
        passedOver = metrics.counter("imagesPassedOver");
        labelLatency = metrics.histogram("labelLatencyMs", new DescriptiveStatisticsHistogram(1000));
        budgetLeft = config.budget();
        metrics.gauge("poolSize", () -> poolSize);
        metrics.gauge("meanUncertainty", () -> meanUncertainty);
        metrics.gauge("budgetLeft", () -> budgetLeft);
    }

    @Override
    public void processElement1(Candidate candidate, Context context, Collector<EncodedRecord> out) throws Exception {
        String id = candidate.imageId();
        if (asked.contains(id) || settled.contains(id)) {
            return; // asked, labeled or a duplicate already: never again
        }
        if (budgetLeft() <= 0) {
            return;
        }
        pool.put(id, candidate); // a rescored image replaces its older score
        refreshGauges();
        if (poolSize >= config.windowSize()) {
            select(config.batchSize(), context, out);
        } else if (timer.value() == null) {
            long at = context.timerService().currentProcessingTime() + config.selectEveryMs();
            context.timerService().registerProcessingTimeTimer(at);
            timer.update(at);
        }
    }

    @Override
    public void processElement2(LabelFeedback labeled, Context context, Collector<EncodedRecord> out) throws Exception {
        String id = labeled.imageId();
        if (settled.contains(id)) {
            return; // the same answer again (replay, a resubmission): counted once
        }
        Asked request = asked.get(id);
        if (request != null) {
            answers.inc();
            labelLatency.update(Math.max(0, context.timerService().currentProcessingTime() - request.askedAtMs()));
        }
        settled.put(id, true);
        pool.remove(id); // labeled without being asked: nothing to ask any more
        if (pool.isEmpty()) {
            cancelTimer(context);
        }
        for (int classId : labeled.classIds()) {
            labelsSeen.put(classId, (labelsSeen.contains(classId) ? labelsSeen.get(classId) : 0L) + 1);
        }
        refreshGauges();
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext context, Collector<EncodedRecord> out) throws Exception {
        timer.clear();
        int size = count(pool.keys()); // after a restore the timer may fire before any element refreshed the gauges
        if (size > 0) {
            // A partial window earns its share of a batch; the fraction left over carries to the next one, so a
            // slow stream is asked about batchSize of every windowSize images too.
            double share = (double) config.batchSize() * size / config.windowSize()
                    + (owedShare.value() == null ? 0 : owedShare.value());
            int whole = (int) Math.floor(share + 1e-9);
            owedShare.update(Math.max(0, share - whole));
            select(whole, context, out);
        }
    }

    private void select(int batchSize, Context context, Collector<EncodedRecord> out) throws Exception {
        int count = Math.min(batchSize, budgetLeft());
        Map<Integer, Long> seen = new HashMap<>();
        for (Map.Entry<Integer, Long> e : labelsSeen.entries()) {
            seen.put(e.getKey(), e.getValue());
        }
        List<float[]> thumbnails = new ArrayList<>();
        for (Asked a : asked.values()) {
            thumbnails.add(a.thumbnail());
        }
        List<Candidate> candidates = new ArrayList<>();
        pool.values().forEach(candidates::add);
        LabelSelector.Selection selection = selector.select(candidates, seen, thumbnails, count);
        long now = context.timerService().currentProcessingTime();
        for (LabelSelector.Choice choice : selection.choices()) {
            Candidate chosen = choice.candidate();
            List<String> guessed = new ArrayList<>();
            for (int classId : chosen.guessedClasses()) {
                guessed.add(classes.names().get(classId));
            }
            LabelRequest request = new LabelRequest(
                    chosen.imageId(),
                    choice.priority(),
                    choice.reason(),
                    choice.details(),
                    guessed,
                    chosen.modelVersion(),
                    now);
            out.collect(new EncodedRecord(chosen.imageId(), RecordCodec.LABEL_REQUEST.encode(request)));
            asked.put(chosen.imageId(), new Asked(now, chosen.thumbnail()));
            pool.remove(chosen.imageId());
            requests.inc();
        }
        for (Candidate duplicate : selection.duplicates()) {
            settled.put(duplicate.imageId(), true);
            pool.remove(duplicate.imageId());
            duplicates.inc();
        }
        passedOver.inc(count(pool.keys()));
        pool.clear();
        cancelTimer(context);
        refreshGauges();
        budgetLeft(); // the gauge
    }

    private void cancelTimer(Context context) throws Exception {
        if (timer.value() != null) {
            context.timerService().deleteProcessingTimeTimer(timer.value());
            timer.clear();
        }
    }

    private static int count(Iterable<?> items) {
        int count = 0;
        for (Object ignored : items) {
            count++;
        }
        return count;
    }

    /** The requests still allowed; also refreshes the budget gauge. */
    private int budgetLeft() throws Exception {
        budgetLeft = config.budget() - count(asked.keys());
        return budgetLeft;
    }

    private void refreshGauges() throws Exception {
        int size = 0;
        double sum = 0;
        for (Candidate candidate : pool.values()) {
            size++;
            sum += candidate.uncertainty();
        }
        poolSize = size;
        meanUncertainty = size == 0 ? 0 : sum / size;
    }
}
