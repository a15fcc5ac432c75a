package io.seedstream.segmentation.train;

import ai.djl.TrainingDivergedException;
import ai.djl.ndarray.NDManager;
import io.seedstream.segmentation.config.SeedStreamConfig;
import io.seedstream.segmentation.data.ClassList;
import io.seedstream.segmentation.data.LabeledImage;
import io.seedstream.segmentation.metrics.SegmentationMetrics;
import io.seedstream.segmentation.nn.AffinityArchitecture;
import io.seedstream.segmentation.nn.AffinityHead;
import io.seedstream.segmentation.nn.Classifier;
import io.seedstream.segmentation.nn.ClassifierArchitecture;
import io.seedstream.segmentation.nn.ModelName;
import io.seedstream.segmentation.nn.Network;
import io.seedstream.segmentation.nn.Segmenter;
import io.seedstream.segmentation.nn.SegmenterArchitecture;
import io.seedstream.segmentation.seeds.ConfidentSeeds;
import io.seedstream.segmentation.snapshot.ModelSnapshot;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.IntFunction;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Continual training of the classifier (BCE + ReCAM + GAIN on image labels), the segmenter
 * (balanced seed loss, boundary loss, full cross-entropy where a mask came along) and the affinity
 * head (AffinityNet's pair loss on the pseudo-labels, over the current classifier's features) on a
 * stream of samples. Each model has a replay buffer (reservoir sampling, so the whole stream stays
 * represented) and trains on its new samples first, topped up with the buffered samples it trained
 * on least. Images with a mask whose id hashes into the held-out share form a fixed evaluation set
 * that scores every published snapshot; the classifier's and the segmenter's new versions are
 * published only through the {@link ServingGate}, against the version in service on the same
 * images. {@link #save()} captures everything (weights, optimizer moments, buffers, versions) so a
 * restart resumes training where it stopped; see {@code trainer} in the configuration.
 */
public final class StreamingTrainer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(StreamingTrainer.class);

    /**
     * A labeled image for the classifier ({@code pseudoLabel} null) or an image with its
     * pseudo-label (class id per pixel, {@link ClassList#IGNORE} unlabeled) for the segmenter;
     * {@code timestampMs} is when the image entered the system.
     */
    public record Sample(LabeledImage image, byte[] pseudoLabel, long timestampMs) {}

    /**
     * A snapshot to publish, with its score on the held-out set (null while that set is empty) and
     * the entry times of the samples it is the first version to have trained on (for freshness).
     */
    public record Publication(ModelSnapshot snapshot, long step, Double evalMiou, long[] newSampleTimestampsMs) {}

    private final SeedStreamConfig config;
    private final SeedStreamConfig.Trainer settings;
    private final ClassList classes;
    private final NDManager manager;
    private final Classifier classifier;
    private final Segmenter segmenter;
    private final Learner classifierLearner;
    private final Learner segmenterLearner;
    private final AffinityHead affinity;
    private final Learner affinityLearner;
    private final HeldOutEvaluator evaluator;
    private final ServingGate gate;
    private final List<LabeledImage> evalImages = new ArrayList<>();
    private ClassifierTrainer.StepLosses lastClassifierTerms;
    private SegmenterTrainer.StepLosses lastSegmenterTerms;

    public StreamingTrainer(SeedStreamConfig config, ClassList classes, NDManager parent) {
        this.config = config;
        this.settings = config.trainer();
        this.classes = classes;
        this.manager = parent.newSubManager();
        this.classifier = new Classifier(
                ClassifierArchitecture.of(config, ClassifierArchitecture.Head.FICKLENET, classes.numForeground()),
                manager,
                config.classifier().seed());
        this.segmenter = new Segmenter(
                SegmenterArchitecture.of(config.segmenter(), classes.size()),
                manager,
                config.segmenter().seed());
        ClassifierTrainer classifierTrainer = new ClassifierTrainer(
                classifier, config, classes, new ClassifierTrainer.Objective(true, settings.gain()));
        SegmenterTrainer segmenterTrainer = new SegmenterTrainer(
                segmenter, config, classes, new SegmenterTrainer.Objective(true, settings.boundaryLoss(), true));
        this.classifierLearner = new Learner(
                ModelName.CLASSIFIER.id(),
                classifier,
                config.classifier().batchSize(),
                batch -> {
                    lastClassifierTerms = classifierTrainer.step(
                            batch.stream().map(Sample::image).toList());
                    return lastClassifierTerms.total();
                },
                classifierTrainer::optimizerState,
                classifierTrainer::restoreOptimizer,
                from -> classifierScores(false, from),
                true);
        this.segmenterLearner = new Learner(
                ModelName.SEGMENTER.id(),
                segmenter,
                config.segmenter().batchSize(),
                batch -> {
                    lastSegmenterTerms = segmenterTrainer.step(batch.stream()
                            .map(s -> new SegmenterTrainer.Example(s.image(), Batches.maskLabels(s.pseudoLabel())))
                            .toList());
                    return lastSegmenterTerms.total();
                },
                segmenterTrainer::optimizerState,
                segmenterTrainer::restoreOptimizer,
                from -> HeldOutEvaluator.segmenterScores(
                        segmenter,
                        evalImages.subList(from, evalImages.size()),
                        classes,
                        config.segmenter().batchSize()),
                true);
        this.affinity = new AffinityHead(
                new AffinityArchitecture(
                        classifier.architecture().affinityInputChannels(),
                        config.affinity().channels()),
                manager,
                config.affinity().seed());
        AffinityTrainer affinityTrainer = new AffinityTrainer(affinity, config.affinity(), classes.background());
        this.affinityLearner = new Learner(
                ModelName.AFFINITY.id(),
                affinity,
                config.classifier().batchSize(),
                batch -> affinityTrainer.step(
                        classifier,
                        batch.stream()
                                .map(s -> new AffinityTrainer.Example(s.image(), seeds(s.pseudoLabel())))
                                .toList()),
                // not gated: its score depends on the classifier in training, so an older head's scores would not
                // compare
                affinityTrainer::optimizerState,
                affinityTrainer::restoreOptimizer,
                from -> classifierScores(true, from),
                false);
        this.evaluator = new HeldOutEvaluator(config, classes, manager);
        this.gate = new ServingGate(settings.gateMinImages(), settings.gateStandardErrors());
        for (Learner learner : learners()) {
            learner.served = learner.checkpoint();
        }
    }

    private List<Learner> learners() {
        return List.of(classifierLearner, segmenterLearner, affinityLearner);
    }

    /** A pseudo-label as seeds: its class ids, {@link ConfidentSeeds#UNSEEDED} where it is ignored. */
    private static int[] seeds(byte[] pseudoLabel) {
        int[] seeds = new int[pseudoLabel.length];
        for (int u = 0; u < seeds.length; u++) {
            int label = pseudoLabel[u] & 0xFF;
            seeds[u] = label == ClassList.IGNORE ? ConfidentSeeds.UNSEEDED : label;
        }
        return seeds;
    }

    /** Adds an image with its mask to the held-out set directly (a benchmark's fixed images), up to {@code trainer.evalImages}. */
    public void holdOut(LabeledImage image) {
        if (!image.hasMask()) {
            throw new IllegalArgumentException("held-out image " + image.id() + " has no mask to score against");
        }
        if (evalImages.size() < settings.evalImages()) {
            evalImages.add(atTrainingSize(new Sample(image, null, 0)).image());
        }
    }

    /** Whether an image is in the held-out share: only images with a mask, chosen by a hash of the id. */
    public boolean isHeldOut(LabeledImage image) {
        return isHeldOut(image, settings);
    }

    /** Whether the trainer with these settings holds the image out (never trains on it). */
    public static boolean isHeldOut(LabeledImage image, SeedStreamConfig.Trainer settings) {
        return image.hasMask() && Math.floorMod(image.id().hashCode() * 0x9E3779B9, 100) < settings.evalPercent();
    }

    /**
     * Takes a sample: held-out images join the evaluation set (up to its size) and are never trained
     * on; every other sample joins its model's buffer (a pseudo-labeled one both the segmenter's and,
     * when the localization job walks its maps ({@code stream.affinityWalk}), the affinity head's).
     */
    public void add(Sample sample) {
        if (isHeldOut(sample.image())) {
            if (sample.pseudoLabel() == null && evalImages.size() < settings.evalImages()) {
                evalImages.add(atTrainingSize(sample).image());
            }
            return;
        }
        Sample sized = atTrainingSize(sample);
        if (sample.pseudoLabel() == null) {
            classifierLearner.add(sized);
        } else {
            segmenterLearner.add(sized);
            if (config.stream().affinityWalk()) {
                affinityLearner.add(sized);
            }
        }
    }

    /** The sample scaled to {@code trainer.imageWidth x imageHeight}, pseudo-label included, so that samples batch. */
    private Sample atTrainingSize(Sample sample) {
        LabeledImage image = sample.image();
        if (image.width() == settings.imageWidth() && image.height() == settings.imageHeight()) {
            return sample;
        }
        byte[] label = sample.pseudoLabel() == null
                ? null
                : LabeledImage.resizedLabels(
                        sample.pseudoLabel(),
                        image.width(),
                        image.height(),
                        settings.imageWidth(),
                        settings.imageHeight());
        return new Sample(image.resized(settings.imageWidth(), settings.imageHeight()), label, sample.timestampMs());
    }

    /** Samples received (not held out) that no step has trained on yet: the classifier's and the segmenter's. */
    public int untrainedSamples() {
        return classifierLearner.fresh.size() + segmenterLearner.fresh.size();
    }

    /** One step for each model that has samples; false when none has any. */
    public boolean step() {
        boolean classifierStepped = classifierLearner.step(config.classifier().seed());
        boolean segmenterStepped = segmenterLearner.step(config.segmenter().seed());
        boolean affinityStepped = affinityLearner.step(config.affinity().seed());
        return classifierStepped || segmenterStepped || affinityStepped;
    }

    /** Total steps taken by {@link #step()} over all models. */
    public long steps() {
        return learners().stream().mapToLong(learner -> learner.steps).sum();
    }

    /** The classifier's loss in its latest step (NaN before the first). */
    public double lastClassifierLoss() {
        return classifierLearner.lastLoss;
    }

    /** The classifier's loss terms in its latest step (null before the first). */
    public ClassifierTrainer.StepLosses lastClassifierTerms() {
        return lastClassifierTerms;
    }

    /** The segmenter's loss terms in its latest step (null before the first). */
    public SegmenterTrainer.StepLosses lastSegmenterTerms() {
        return lastSegmenterTerms;
    }

    /** The segmenter's loss in its latest step (NaN before the first). */
    public double lastSegmenterLoss() {
        return segmenterLearner.lastLoss;
    }

    /** Steps skipped because they diverged (non-finite loss or gradient), over all models. */
    public long divergedSteps() {
        return learners().stream().mapToLong(learner -> learner.diverged).sum();
    }

    public int evalSetSize() {
        return evalImages.size();
    }

    /** For each sample in a model's replay buffer, how many steps it was in. */
    public List<Integer> replayCounts(String model) {
        Learner learner = learners().stream()
                .filter(l -> l.name.equals(model))
                .findFirst()
                .orElseThrow();
        return learner.buffer.samples().stream()
                .map(learner.buffer::timesTrained)
                .toList();
    }

    /** Versions the serving gate refused, over all models. */
    public long refusedVersions() {
        return learners().stream().mapToLong(learner -> learner.refused).sum();
    }

    /** The serving gate's latest decision for a model ({@link ModelName#CLASSIFIER} or {@link ModelName#SEGMENTER}); null before its first. */
    public ServingGate.Decision lastGateDecision(String model) {
        return learners().stream()
                .filter(learner -> learner.name.equals(model))
                .findFirst()
                .orElseThrow()
                .lastDecision;
    }

    /**
     * Snapshots of the models that trained since their last candidate and are due: {@code
     * publishEverySteps} steps, or {@code publishEverySeconds} since {@code lastPublishedMs} and
     * since the model's last candidate. A candidate the serving gate refuses is left out, and the
     * next one waits for the same cadence: scoring a candidate takes seconds, and retrying after
     * every step kept a trainer on CamVid scoring, not training (a step every 23 s).
     */
    public List<Publication> publishDue(long nowMs, long lastPublishedMs) {
        List<Publication> due = new ArrayList<>();
        long interval = settings.publishEverySeconds() * 1000L;
        for (Learner learner : learners()) {
            long newSteps = learner.steps - learner.stepsAtPublication;
            boolean timeUp = nowMs - lastPublishedMs >= interval && nowMs - learner.candidateAtMs >= interval;
            if (newSteps > 0 && (timeUp || newSteps >= settings.publishEverySteps())) {
                learner.candidateAtMs = nowMs;
                Publication publication = publish(learner);
                if (publication != null) {
                    due.add(publication);
                }
            }
        }
        return due;
    }

    /**
     * The learner's averaged weights (or, without averaging, its latest) as its next version, or
     * null when the gate keeps the served one. The candidate is scored in the network, whose
     * training weights go back in afterwards.
     */
    private Publication publish(Learner learner) {
        ModelSnapshot training = ModelSnapshot.of(learner.name, learner.version + 1, learner.network, classes.names());
        if (!training.isFinite()) { // never publish broken weights: back to the served ones
            learner.rollBack("non-finite weights");
            training = ModelSnapshot.of(learner.name, learner.version + 1, learner.network, classes.names());
        }
        learner.stepsAtPublication = learner.steps;
        ModelSnapshot current = learner.averaged(learner.version + 1)
                .filter(ModelSnapshot::isFinite)
                .orElse(training);
        current.loadInto(learner.network);
        try {
            return publish(learner, current);
        } finally {
            training.loadInto(learner.network);
        }
    }

    /** {@link #publish(Learner)} with the candidate's weights in the network. */
    private Publication publish(Learner learner, ModelSnapshot current) {
        List<SegmentationMetrics> scores = learner.scorer.apply(0);
        // Below gateMinImages the gate serves every version: the served model need not be scored.
        if (learner.gated && settings.gate() && learner.version > 0 && scores.size() >= settings.gateMinImages()) {
            ServingGate.Decision decision = gate.decide(
                    scores, learner.servedScores(current), classes.size(), classes.background(), learner.steps);
            learner.lastDecision = decision;
            if (!decision.serve()) {
                learner.refused++;
                LOG.info(
                        "{} at step {} not published: {}; v{} stays in service",
                        learner.name,
                        learner.steps,
                        decision,
                        learner.version);
                return null;
            }
        }
        learner.version++;
        long[] timestamps =
                learner.newlyTrained.stream().mapToLong(Long::longValue).toArray();
        learner.newlyTrained.clear();
        Double miou = scores.isEmpty()
                ? null
                : SegmentationMetrics.merged(scores, classes.size(), classes.background())
                        .meanIou();
        learner.served = new TrainingCheckpoint(current, learner.optimizerState.get());
        learner.servedScores = new ArrayList<>(scores);
        return new Publication(current, learner.steps, miou, timestamps);
    }

    /**
     * The classifier's score on the held-out images from index {@code from}, per image (with
     * {@code walked}, of its maps walked with the affinity head: the head's score).
     */
    private List<SegmentationMetrics> classifierScores(boolean walked, int from) {
        return evaluator.classifierScores(
                classifier, walked ? affinity : null, evalImages.subList(from, evalImages.size()));
    }

    /** Everything needed to resume: weights, optimizer moments, versions, buffers and the evaluation set. */
    public byte[] save() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            TrainerStateFormat.writeHeader(out);
            // The segmenter and the affinity head buffer the same pseudo-labeled samples: each is written once.
            Map<Sample, Integer> index = new IdentityHashMap<>();
            List<Sample> table = new ArrayList<>();
            for (Learner learner : learners()) {
                for (List<Sample> samples : List.of(learner.buffer.samples(), learner.fresh)) {
                    samples.forEach(sample -> index.computeIfAbsent(sample, s -> {
                        table.add(s);
                        return table.size() - 1;
                    }));
                }
            }
            TrainerStateFormat.writeSamples(out, table);
            for (Learner learner : learners()) {
                learner.save(out, samples -> {
                    out.writeInt(samples.size());
                    for (Sample sample : samples) {
                        out.writeInt(index.get(sample));
                    }
                });
            }
            TrainerStateFormat.writeImages(out, evalImages);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /**
     * Continues from {@link #save()}'s bytes, taken from a trainer with the same configuration and
     * classes. Version 1's state (before the affinity head) restores the classifier and the
     * segmenter; the head then starts afresh on the segmenter's buffered samples.
     */
    public void restore(byte[] saved) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(saved))) {
            int version = TrainerStateFormat.readVersion(saved, in);
            if (version >= 2) {
                List<Sample> table = TrainerStateFormat.readSamples(in);
                TrainerStateFormat.SampleReader byIndex = () -> {
                    List<Sample> samples = new ArrayList<>();
                    for (int n = in.readInt(); n > 0; n--) {
                        samples.add(table.get(in.readInt()));
                    }
                    return samples;
                };
                for (Learner learner : learners()) {
                    learner.restore(in, version, byIndex);
                }
            } else { // version 1: each learner wrote its samples in full; the head starts on the segmenter's
                classifierLearner.restore(in, version, () -> TrainerStateFormat.readSamples(in));
                segmenterLearner.restore(in, version, () -> TrainerStateFormat.readSamples(in));
                List<Sample> buffered = segmenterLearner.buffer.samples();
                affinityLearner.buffer.restore(buffered, Collections.nCopies(buffered.size(), 0), buffered.size());
                affinityLearner.fresh.addAll(segmenterLearner.fresh);
            }
            evalImages.clear();
            evalImages.addAll(TrainerStateFormat.readImages(in));
        } catch (IOException e) {
            throw new UncheckedIOException("unreadable trainer state: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        manager.close();
    }

    /** One model with its optimizer, buffer and publication bookkeeping. */
    private final class Learner {
        final String name;
        final Network network;
        final int batchSize;
        final Function<List<Sample>, Double> trainStep;
        final Supplier<AdamUpdates.State> optimizerState;
        final Consumer<AdamUpdates.State> restoreOptimizer;
        /** Scores the network as it is on the held-out images from an index on, one per image. */
        final IntFunction<List<SegmentationMetrics>> scorer;
        /** Whether its versions pass the serving gate. */
        final boolean gated;

        final ReplayBuffer<Sample> buffer;
        /** The weights' moving average, published instead of the latest weights; null with {@code trainer.averageDecay} 0. */
        final WeightAverage average;

        final List<Sample> fresh = new ArrayList<>();
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

        Learner(
                String name,
                Network network,
                int batchSize,
                Function<List<Sample>, Double> trainStep,
                Supplier<AdamUpdates.State> optimizerState,
                Consumer<AdamUpdates.State> restoreOptimizer,
                IntFunction<List<SegmentationMetrics>> scorer,
                boolean gated) {
            this.name = name;
            this.network = network;
            this.batchSize = batchSize;
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
            if (servedScores.size() < evalImages.size()) {
                served.model().loadInto(network);
                try {
                    servedScores.addAll(scorer.apply(servedScores.size()));
                } finally {
                    current.loadInto(network);
                }
            }
            return servedScores;
        }

        void add(Sample sample) {
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
            List<Sample> newSamples = new ArrayList<>(fresh.subList(0, Math.min(batchSize, fresh.size())));
            fresh.subList(0, newSamples.size()).clear();
            List<Sample> batch = new ArrayList<>(newSamples);
            batch.addAll(buffer.leastTrained(batchSize - batch.size(), random));
            try {
                lastLoss = trainStep.apply(batch);
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
            for (Sample sample : newSamples) {
                newlyTrained.add(sample.timestampMs());
                buffer.remember(sample, random); // counted with the batch's step below
            }
            buffer.countTrained(batch);
            return true;
        }

        /** The weights and optimizer moments as they are now. */
        TrainingCheckpoint checkpoint() {
            return new TrainingCheckpoint(
                    ModelSnapshot.of(name, version, network, classes.names()), optimizerState.get());
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
            for (Sample sample : buffer.samples()) {
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
            List<Sample> buffered = samples.read();
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
    }
}
