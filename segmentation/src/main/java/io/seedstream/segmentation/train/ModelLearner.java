package io.seedstream.segmentation.train;

import ai.djl.TrainingDivergedException;
import io.seedstream.segmentation.config.SeedStreamConfig;
import io.seedstream.segmentation.data.ClassList;
import io.seedstream.segmentation.metrics.SegmentationMetrics;
import io.seedstream.segmentation.nn.Network;
import io.seedstream.segmentation.snapshot.ModelSnapshot;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.IntFunction;
import java.util.function.IntSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One model of the {@link StreamingTrainer}: its network and optimizer, its replay buffer and new
 * samples, and its publication bookkeeping: the version in service (where a diverged step goes back
 * to), the moving average it publishes, and, when gated, the serving gate its candidates pass.
 */
final class ModelLearner {

    private static final Logger LOG = LoggerFactory.getLogger(ModelLearner.class);

    private final SeedStreamConfig.Trainer settings;
    private final ClassList classes;
    private final ServingGate gate;
    /** How many held-out images there are now. */
    private final IntSupplier evalImages;

    final String name;
    final Network network;
    final int batchSize;
    /** Each sample of a batch is trained on as one such crop. */
    final RandomScaleCrop crop;

    final Function<List<StreamingTrainer.Sample>, Double> trainStep;
    final Supplier<AdamUpdates.State> optimizerState;
    final Consumer<AdamUpdates.State> restoreOptimizer;
    /** Scores the network as it is on the held-out images from an index on, one per image. */
    final IntFunction<List<SegmentationMetrics>> scorer;
    /** Whether its versions pass the serving gate. */
    final boolean gated;

    final ReplayBuffer<StreamingTrainer.Sample> buffer;
    /** The weights' moving average, published instead of the latest weights; null with {@code trainer.averageDecay} 0. */
    final WeightAverage average;

    final List<StreamingTrainer.Sample> fresh = new ArrayList<>();
    final List<Long> newlyTrained = new ArrayList<>();
    long steps;
    long version;
    long stepsAtPublication;
    /** When its latest candidate was scored, in the caller's milliseconds (not saved: after a restore the next is due at once). */
    long candidateAtMs;

    double lastLoss = Double.NaN;
    long diverged;
    long refused;
    ServingGate.Decision lastDecision;
    /** Weights and optimizer moments of the version in service: where a diverged step goes back to. */
    TrainingCheckpoint served;
    /** The served version's scores on the first held-out images (not saved: scored again after a restore). */
    List<SegmentationMetrics> servedScores = new ArrayList<>();

    ModelLearner(
            SeedStreamConfig.Trainer settings,
            ClassList classes,
            ServingGate gate,
            IntSupplier evalImages,
            String name,
            Network network,
            int batchSize,
            RandomScaleCrop crop,
            Function<List<StreamingTrainer.Sample>, Double> trainStep,
            Supplier<AdamUpdates.State> optimizerState,
            Consumer<AdamUpdates.State> restoreOptimizer,
            IntFunction<List<SegmentationMetrics>> scorer,
            boolean gated) {
        this.settings = settings;
        this.classes = classes;
        this.gate = gate;
        this.evalImages = evalImages;
        this.name = name;
        this.network = network;
        this.batchSize = batchSize;
        this.crop = crop;
        this.trainStep = trainStep;
        this.optimizerState = optimizerState;
        this.restoreOptimizer = restoreOptimizer;
        this.scorer = scorer;
        this.gated = gated;
        this.average = settings.averageDecay() > 0 ? new WeightAverage(settings.averageDecay()) : null;
        this.buffer = new ReplayBuffer<>(settings.replayCapacity());
    }

    /** The averaged weights as version {@code version}; empty without averaging or before the first step. */
    Optional<ModelSnapshot> averaged(long version) {
        Map<String, float[]> values = average == null ? null : average.values();
        return values == null
                ? Optional.empty()
                : Optional.of(ModelSnapshot.of(name, version, network.architecture(), classes.names(), values));
    }

    /**
     * The served version's scores on every held-out image: the images added since it was scored
     * are scored with its weights loaded for the moment, then {@code current} goes back in.
     */
    List<SegmentationMetrics> servedScores(ModelSnapshot current) {
        if (servedScores.size() < evalImages.getAsInt()) {
            served.model().loadInto(network);
            try {
                servedScores.addAll(scorer.apply(servedScores.size()));
            } finally {
                current.loadInto(network);
            }
        }
        return servedScores;
    }

    void add(StreamingTrainer.Sample sample) {
        fresh.add(sample);
    }

    /**
     * New samples first, topped up from the buffer with the samples trained on least (ties in
     * random order), so that replay covers the buffer evenly, as the epochs of offline training
     * do: the first samples of a stream are not replayed again and again while later ones wait.
     * New samples join the buffer once trained on.
     */
    boolean step(long seed) {
        if (fresh.isEmpty() && buffer.isEmpty()) {
            return false;
        }
        Random random = new Random(seed * 31 + steps);
        List<StreamingTrainer.Sample> newSamples = new ArrayList<>(fresh.subList(0, Math.min(batchSize, fresh.size())));
        fresh.subList(0, newSamples.size()).clear();
        List<StreamingTrainer.Sample> batch = new ArrayList<>(newSamples);
        batch.addAll(buffer.leastTrained(batchSize - batch.size(), random));
        try {
            lastLoss = trainStep.apply(
                    batch.stream().map(sample -> crop.apply(sample, random)).toList());
            if (average != null) {
                average.update(network);
            }
        } catch (TrainingDivergedException e) {
            diverged++;
            LOG.warn("{} step {} skipped: {}", name, steps, e.getMessage());
            if (!ModelSnapshot.of(name, version, network, classes.names()).isFinite()) {
                rollBack("non-finite weights");
            }
        }
        steps++;
        for (StreamingTrainer.Sample sample : newSamples) {
            newlyTrained.add(sample.timestampMs());
            buffer.remember(sample, reservoirDraw(sample)); // counted with the batch's step below
        }
        buffer.countTrained(batch);
        return true;
    }

    /**
     * The sample's own uniform draw for the reservoir, from its id and time, not from this learner's
     * steps: the segmenter and the affinity head buffer the same pseudo-labeled samples, and with
     * draws of their own their buffers drift apart, so the trainer's state (which writes a sample
     * once) would grow towards twice the buffer for as long as the stream runs.
     */
    static double reservoirDraw(StreamingTrainer.Sample sample) {
        return new SplittableRandom(sample.image().id().hashCode() * 0x9E3779B97F4A7C15L ^ sample.timestampMs())
                .nextDouble();
    }

    /** The weights and optimizer moments as they are now. */
    TrainingCheckpoint checkpoint() {
        return new TrainingCheckpoint(ModelSnapshot.of(name, version, network, classes.names()), optimizerState.get());
    }

    /** The weights broke (not seen since non-finite gradients are skipped): continue from the last published ones. */
    void rollBack(String reason) {
        LOG.warn(
                "{} step {} diverged ({}); continuing from the weights of v{}",
                name,
                steps,
                reason,
                served.model().version());
        served.model().loadInto(network);
        restoreOptimizer.accept(served.optimizer());
        if (average != null) {
            average.reset(served.model().parameters(), average.updates());
        }
    }

    void save(DataOutputStream out, TrainerStateFormat.SampleWriter samples) throws IOException {
        for (TrainingCheckpoint checkpoint : List.of(checkpoint(), served)) {
            byte[] bytes = checkpoint.toBytes();
            out.writeInt(bytes.length);
            out.write(bytes);
        }
        out.writeLong(buffer.seen());
        out.writeLong(steps);
        out.writeLong(stepsAtPublication);
        samples.write(buffer.samples());
        for (StreamingTrainer.Sample sample : buffer.samples()) {
            out.writeInt(buffer.timesTrained(sample));
        }
        samples.write(fresh);
        out.writeInt(newlyTrained.size());
        for (long t : newlyTrained) {
            out.writeLong(t);
        }
        Optional<ModelSnapshot> averaged = averaged(version);
        out.writeLong(average == null ? 0 : average.updates());
        out.writeBoolean(averaged.isPresent());
        if (averaged.isPresent()) {
            byte[] bytes = averaged.get().toBytes();
            out.writeInt(bytes.length);
            out.write(bytes);
        }
    }

    /** Reads {@link #save}'s bytes; before format 3 the served weights were the saved ones, before 5 no average was kept. */
    void restore(DataInputStream in, int format, TrainerStateFormat.SampleReader samples) throws IOException {
        TrainingCheckpoint checkpoint = TrainingCheckpoint.fromBytes(in.readNBytes(in.readInt()));
        checkpoint.model().loadInto(network);
        restoreOptimizer.accept(checkpoint.optimizer());
        served = format >= 3 ? TrainingCheckpoint.fromBytes(in.readNBytes(in.readInt())) : checkpoint;
        servedScores = new ArrayList<>();
        version = served.model().version();
        long seen = in.readLong();
        steps = in.readLong();
        stepsAtPublication = in.readLong();
        List<StreamingTrainer.Sample> buffered = samples.read();
        List<Integer> counts = new ArrayList<>();
        for (int i = 0; i < buffered.size(); i++) { // before format 4 every sample starts even
            counts.add(format >= 4 ? in.readInt() : 0);
        }
        buffer.restore(buffered, counts, seen);
        fresh.clear();
        fresh.addAll(samples.read());
        newlyTrained.clear();
        int count = in.readInt();
        for (int i = 0; i < count; i++) {
            newlyTrained.add(in.readLong());
        }
        // Before format 5, the average starts afresh; a state saved without averaging, or restored without it,
        // likewise.
        ModelSnapshot averaged = null;
        long updates = 0;
        if (format >= 5) {
            updates = in.readLong();
            averaged = in.readBoolean() ? ModelSnapshot.fromBytes(in.readNBytes(in.readInt())) : null;
        }
        if (average != null && averaged != null) {
            averaged.loadInto(network); // checks the architecture; the training weights go back in below
            checkpoint.model().loadInto(network);
            average.reset(averaged.parameters(), updates);
        } else if (average != null) {
            average.clear();
        }
    }

    /**
     * The learner's averaged weights (or, without averaging, its latest) as its next version, or
     * null when the gate keeps the served one. The candidate is scored in the network, whose
     * training weights go back in afterwards.
     */
    StreamingTrainer.Publication publish() {
        ModelSnapshot training = ModelSnapshot.of(name, version + 1, network, classes.names());
        if (!training.isFinite()) { // never publish broken weights: back to the served ones
            rollBack("non-finite weights");
            training = ModelSnapshot.of(name, version + 1, network, classes.names());
        }
        stepsAtPublication = steps;
        ModelSnapshot current =
                averaged(version + 1).filter(ModelSnapshot::isFinite).orElse(training);
        current.loadInto(network);
        try {
            return publish(current);
        } finally {
            training.loadInto(network);
        }
    }

    /** {@link #publish()} with the candidate's weights in the network. */
    private StreamingTrainer.Publication publish(ModelSnapshot current) {
        List<SegmentationMetrics> scores = scorer.apply(0);
        // Below gateMinImages the gate serves every version: the served model need not be scored.
        if (gated && settings.gate() && version > 0 && scores.size() >= settings.gateMinImages()) {
            ServingGate.Decision decision =
                    gate.decide(scores, servedScores(current), classes.size(), classes.background(), steps);
            lastDecision = decision;
            if (!decision.serve()) {
                refused++;
                LOG.info("{} at step {} not published: {}; v{} stays in service", name, steps, decision, version);
                return null;
            }
        }
        version++;
        long[] timestamps = newlyTrained.stream().mapToLong(Long::longValue).toArray();
        newlyTrained.clear();
        Double miou = scores.isEmpty()
                ? null
                : SegmentationMetrics.merged(scores, classes.size(), classes.background())
                        .meanIou();
        served = new TrainingCheckpoint(current, optimizerState.get());
        servedScores = new ArrayList<>(scores);
        return new StreamingTrainer.Publication(current, steps, miou, timestamps);
    }
}
