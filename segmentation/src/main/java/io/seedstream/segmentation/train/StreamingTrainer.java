package io.seedstream.segmentation.train;

import ai.djl.ndarray.NDManager;
import io.seedstream.segmentation.config.SeedStreamConfig;
import io.seedstream.segmentation.data.ClassList;
import io.seedstream.segmentation.data.LabeledImage;
import io.seedstream.segmentation.data.WorkingSize;
import io.seedstream.segmentation.metrics.SegmentationMetrics;
import io.seedstream.segmentation.nn.AffinityArchitecture;
import io.seedstream.segmentation.nn.AffinityHead;
import io.seedstream.segmentation.nn.Architecture;
import io.seedstream.segmentation.nn.Backbone;
import io.seedstream.segmentation.nn.Classifier;
import io.seedstream.segmentation.nn.ClassifierArchitecture;
import io.seedstream.segmentation.nn.ModelName;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

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

    /**
     * A labeled image for the classifier ({@code pseudoLabel} null) or an image with its
     * pseudo-label (class id per pixel, {@link ClassList#IGNORE} unlabeled) for the segmenter;
     * {@code timestampMs} is when the image entered the system.
     */
    public record Sample(LabeledImage image, byte[] pseudoLabel, long timestampMs) {

        /**
         * The sample at its working size ({@code trainer.shortSide}, aspect ratio kept, see {@link
         * WorkingSize}), pseudo-label included: what the buffers keep and the crops are cut from.
         */
        public Sample atWorkingSize(int shortSide) {
            LabeledImage scaled = WorkingSize.scale(image, shortSide);
            if (scaled == image) {
                return this;
            }
            byte[] label = pseudoLabel == null
                    ? null
                    : LabeledImage.resizedLabels(
                            pseudoLabel, image.width(), image.height(), scaled.width(), scaled.height());
            return new Sample(scaled, label, timestampMs);
        }
    }

    /**
     * A snapshot to publish, with its score on the held-out set (null while that set is empty) and
     * the entry times of the samples it is the first version to have trained on (for freshness).
     */
    public record Publication(ModelSnapshot snapshot, long step, Double evalMiou, long[] newSampleTimestampsMs) {}

    /** The crop's factor for the classifier, which rescales each batch ({@code classifier.rescaleRange}), and the affinity head. */
    private static final List<Double> NO_RESCALING = List.of(1.0, 1.0);

    private final SeedStreamConfig config;
    private final SeedStreamConfig.Trainer settings;
    private final ClassList classes;
    private final NDManager manager;
    private final Classifier classifier;
    private final Segmenter segmenter;
    private final ModelLearner classifierLearner;
    private final ModelLearner segmenterLearner;
    private final AffinityHead affinity;
    private final ModelLearner affinityLearner;
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
        this.gate = new ServingGate(settings.gateMinImages(), settings.gateStandardErrors());
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
        this.classifierLearner = new ModelLearner(
                settings,
                classes,
                gate,
                evalImages::size,
                ModelName.CLASSIFIER.id(),
                classifier,
                config.classifier().batchSize(),
                new RandomScaleCrop(settings.cropSize(), NO_RESCALING), // it rescales its batches itself
                batch -> {
                    lastClassifierTerms = classifierTrainer.step(
                            batch.stream().map(Sample::image).toList());
                    return lastClassifierTerms.total();
                },
                classifierTrainer::optimizerState,
                classifierTrainer::restoreOptimizer,
                from -> classifierScores(false, from),
                true);
        this.segmenterLearner = new ModelLearner(
                settings,
                classes,
                gate,
                evalImages::size,
                ModelName.SEGMENTER.id(),
                segmenter,
                config.segmenter().batchSize(),
                new RandomScaleCrop(settings.cropSize(), config.segmenter().rescaleRange()),
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
        this.affinityLearner = new ModelLearner(
                settings,
                classes,
                gate,
                evalImages::size,
                ModelName.AFFINITY.id(),
                affinity,
                config.classifier().batchSize(),
                new RandomScaleCrop(settings.cropSize(), NO_RESCALING),
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
        for (ModelLearner learner : learners()) {
            learner.served = learner.checkpoint();
        }
    }

    /**
     * A warm start ({@code trainer.initFrom}): the model of the snapshot's name (classifier, segmenter
     * or affinity head) starts from its weights instead of random ones, and they are what a diverged
     * step goes back to. Before the model's first step only; a snapshot of other classes or of another
     * architecture is refused with what differs.
     */
    public void startFrom(ModelSnapshot snapshot) {
        ModelLearner learner = untrained(snapshot.name());
        if (!snapshot.classes().equals(classes.names())) {
            throw new IllegalArgumentException(describe(snapshot) + " knows the classes " + snapshot.classes()
                    + ", this deployment " + classes.names());
        }
        if (!snapshot.architecture().equals(learner.network.architecture())) {
            throw new IllegalArgumentException(describe(snapshot) + " is a " + snapshot.architecture() + "; this"
                    + " deployment's " + learner.name + " is a " + learner.network.architecture()
                    + " (the architecture settings must match the run that trained it)");
        }
        snapshot.loadInto(learner.network);
        learner.served = learner.checkpoint();
    }

    /**
     * A warm start of the backbones ({@code trainer.initBackboneFrom}): the classifier's and the
     * segmenter's backbone layers start from those of the snapshot (any model of another run whose
     * backbone has the same channels); their heads stay as initialised, and so do the classes they
     * tell apart, which may differ from the snapshot's. Before the first step only.
     */
    public void startBackbonesFrom(ModelSnapshot snapshot) {
        Map<String, float[]> backbone = new LinkedHashMap<>();
        snapshot.parameters().forEach((name, values) -> {
            if (name.startsWith(Backbone.PARAMETER_PREFIX)) {
                backbone.put(name, values);
            }
        });
        if (backbone.isEmpty()) {
            throw new IllegalArgumentException(describe(snapshot) + " has no backbone");
        }
        for (ModelLearner learner :
                List.of(untrained(ModelName.CLASSIFIER.id()), untrained(ModelName.SEGMENTER.id()))) {
            if (!backboneChannels(snapshot.architecture()).equals(backboneChannels(learner.network.architecture()))) {
                throw new IllegalArgumentException(describe(snapshot) + " has the backbone channels "
                        + backboneChannels(snapshot.architecture()) + "; this deployment's " + learner.name + " has "
                        + backboneChannels(learner.network.architecture()));
            }
        }
        for (ModelLearner learner : List.of(classifierLearner, segmenterLearner)) {
            learner.network.parameters().loadSome(backbone);
            learner.served = learner.checkpoint();
        }
    }

    /** A model's weights as they are now (after a warm start, the snapshot's). */
    public ModelSnapshot weights(String name) {
        return learner(name).checkpoint().model();
    }

    private ModelLearner learner(String name) {
        return learners().stream()
                .filter(l -> l.name.equals(name))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException(
                        name + " is none of the trainer's models (classifier, segmenter, affinity)"));
    }

    private ModelLearner untrained(String name) {
        ModelLearner learner = learner(name);
        if (learner.steps > 0) {
            throw new IllegalStateException(
                    "a warm start comes before training; the " + name + " has trained " + learner.steps + " steps");
        }
        return learner;
    }

    private static String describe(ModelSnapshot snapshot) {
        return "the snapshot of " + snapshot.name() + " v" + snapshot.version();
    }

    /**
     * What fixes a backbone's parameter shapes: its layers' channels. Strides and dilations do not,
     * and may differ (the classifier's and the segmenter's do), as DeepLab dilates a backbone
     * trained without.
     */
    private static List<Integer> backboneChannels(Architecture architecture) {
        if (architecture instanceof ClassifierArchitecture classifier) {
            return classifier.channels();
        }
        if (architecture instanceof SegmenterArchitecture segmenter) {
            return segmenter.channels();
        }
        return List.of();
    }

    private List<ModelLearner> learners() {
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
            evalImages.add(WorkingSize.scale(image, settings.shortSide()));
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
                evalImages.add(WorkingSize.scale(sample.image(), settings.shortSide()));
            }
            return;
        }
        Sample sized = sample.atWorkingSize(settings.shortSide());
        if (sample.pseudoLabel() == null) {
            classifierLearner.add(sized);
        } else {
            segmenterLearner.add(sized);
            if (config.stream().affinityWalk()) {
                affinityLearner.add(sized);
            }
        }
    }

    /**
     * Samples received (not held out) that some model has not trained on yet: the classifier's, and
     * the pseudo-labeled ones the segmenter or the affinity head (which take the same) has not.
     */
    public int untrainedSamples() {
        return classifierLearner.fresh.size() + Math.max(segmenterLearner.fresh.size(), affinityLearner.fresh.size());
    }

    /** Whether some model has stepped since its last candidate for publication. */
    public boolean hasUnpublishedSteps() {
        return learners().stream().anyMatch(learner -> learner.steps > learner.stepsAtPublication);
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
        ModelLearner learner = learner(model);
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
        return learner(model).lastDecision;
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
        for (ModelLearner learner : learners()) {
            long newSteps = learner.steps - learner.stepsAtPublication;
            boolean timeUp = nowMs - lastPublishedMs >= interval && nowMs - learner.candidateAtMs >= interval;
            if (newSteps > 0 && (timeUp || newSteps >= settings.publishEverySteps())) {
                learner.candidateAtMs = nowMs;
                Publication publication = learner.publish();
                if (publication != null) {
                    due.add(publication);
                }
            }
        }
        return due;
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
            for (ModelLearner learner : learners()) {
                for (List<Sample> samples : List.of(learner.buffer.samples(), learner.fresh)) {
                    samples.forEach(sample -> index.computeIfAbsent(sample, s -> {
                        table.add(s);
                        return table.size() - 1;
                    }));
                }
            }
            TrainerStateFormat.writeSamples(out, table);
            for (ModelLearner learner : learners()) {
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
                for (ModelLearner learner : learners()) {
                    learner.restore(in, version, byIndex);
                }
            } else { // version 1: each learner wrote its samples in full; the head starts on the segmenter's
                classifierLearner.restore(in, version, () -> TrainerStateFormat.readSamples(in));
                segmenterLearner.restore(in, version, () -> TrainerStateFormat.readSamples(in));
                List<Sample> buffered = segmenterLearner.buffer.samples();
                affinityLearner.buffer.restore(
                        buffered, Collections.nCopies(buffered.size(), 0), segmenterLearner.buffer.seen());
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
}
