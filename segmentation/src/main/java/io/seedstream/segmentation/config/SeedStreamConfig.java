package io.seedstream.segmentation.config;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The one typed configuration of SeedStream, with the papers' settings as defaults. Every job, the
 * server and the benchmarks read it; no hyperparameter lives anywhere else.
 *
 * <p>Files and overrides are partial: whatever they leave out keeps its default.
 */
public record SeedStreamConfig(
        Synthetic synthetic,
        Backbone backbone,
        FickleNet ficklenet,
        ReCam recam,
        Gain gain,
        ClassifierTraining classifier,
        ClassMemory memory,
        Dsrg dsrg,
        Cam cam,
        Seeds seeds,
        Affinity affinity,
        Segmenter segmenter,
        Boundary boundary,
        Stream stream,
        Trainer trainer,
        Server server,
        Active active,
        String device)
        implements Serializable {

    /** The synthetic part/body data set. */
    public record Synthetic(
            int imageSize,
            int numClasses,
            int minObjects,
            int maxObjects,
            /** Probability that an image's background is the habitat of its first object (0 = no bias). */
            double cooccurrenceBias,
            /** Probability that a body's colour comes from its class's hue band instead of anywhere. */
            double bodyColourCue,
            long seed)
            implements Serializable {}

    /** Backbone CNN, one entry per 3x3 conv layer; its output is the k x h x w feature map. */
    public record Backbone(List<Integer> channels, List<Integer> strides, List<Integer> dilations)
            implements Serializable {}

    /**
     * FickleNet (Lee et al., CVPR 2019): s = 9 (smaller for small maps), p = 0.9, N = 200, theta = 0.35.
     * {@code mapWeights}: "channel" is Grad-CAM (the gradient's spatial mean per channel); "pixel"
     * keeps the gradient per pixel, which lets the N maps differ (see the localization benchmark).
     * {@code form}: how the stochastic passes are computed, "factorized" (the head's linearity; far
     * faster) or "expanded" (FickleNet's feature-map expansion, the reference); both give the same
     * maps for the same dropout masks.
     */
    public record FickleNet(
            int windowSize,
            double dropRate,
            int passes,
            double threshold,
            int passesPerBatch,
            String mapWeights,
            String form)
            implements Serializable {}

    /**
     * ReCAM (Chen et al., CVPR 2022): loss = BCE + lambda * SCE. Offline, ReCAM fine-tunes a trained
     * CAM classifier with that loss, the backbone and classifier at {@code fineTuneScale} of the
     * ReCAM head's learning rate ({@code step/train_recam.py}: 0.1).
     */
    public record ReCam(double lambda, double fineTuneScale) implements Serializable {}

    /**
     * GAIN (Li et al., CVPR 2018): T(A) = sigmoid(omega (A - sigma)), L = L_cls + alpha L_am (+
     * extensionWeight L_e with pixel masks, GAINext), on the references' schedule: attention mining
     * starts after {@code startStep} classifier steps on BCE alone (GAIN-pytorch pretrains 5 epochs
     * first, {@code main_GAIN_VOC.py}), and from then on the classifier learns at
     * {@code learningRate} at most (its 1e-4 for batches of more than one); alpha = 0.2 weighs
     * classification to mining 5 : 1. The attention is min-max normalised with detached
     * normalisers, and the erased pass runs in eval mode with batch norm and the head frozen.
     * {@code maxErasedImages}: the paper erases one image per (image, class present) pair; when a
     * batch has more pairs than this, this many are drawn uniformly without replacement, which keeps
     * the expected loss (the mean over all pairs) and bounds a step's cost. CamVid's photos hold 6.8
     * classes each besides the background, so a batch of 16 has about 110 pairs (the synthetic
     * images: 2.0, 32 pairs), and a trainer step on CamVid with all of them mined took 5 times as
     * long as one without mining.
     */
    public record Gain(
            double sigma,
            double omega,
            double alpha,
            double extensionWeight,
            int startStep,
            double learningRate,
            int maxErasedImages)
            implements Serializable {}

    /**
     * Optimisation of the classifier (its batch size is also the affinity head's, which trains on the
     * classifier's features). Each batch is rescaled by a factor drawn uniformly from
     * {@code rescaleRange} (IRN's {@code train_cam.py} resizes the long side to 320..640 for 512
     * crops: 0.625..1.25), so the classifier sees objects at the sizes multi-scale inference shows it.
     */
    public record ClassifierTraining(
            int batchSize, double learningRate, double weightDecay, List<Double> rescaleRange, long seed)
            implements Serializable {}

    /**
     * MCIBI's dataset-level class memory (Jin et al., ICCV 2021): each class's vector moves toward an
     * image's summary with momentum m = m0 (1 - t / annealingUpdates)^power after t updates of that
     * class (m0 = 0.9, power = 0.9). A stream never ends, so m stops falling at {@code minMomentum}
     * instead of freezing the memory. {@code contextWeight}: share of the memory's class probability
     * (softmax over classes of cosine affinity / {@code temperature}) in a refined localization map
     * (0 = maps as localized, 1 = memory only). The background keeps {@code backgroundPrototypes}
     * vectors (MCIBI's num_feats_per_cls), one per kind of background it has seen; a pixel's
     * affinity to it is that to the most similar. The context is off by default ({@code
     * contextWeight} 0: the memory is learned and kept, the maps go on as localized): in the
     * segmentation benchmark the best weight and temperature on the tuning split (0.1 and 0.2, of
     * 0.1 to 0.5 and 0.05 to 0.2) still did not beat the maps without it there, and on the training
     * images it moved mIoU by -0.001 (-0.030 at weight 0.5; see the README).
     */
    public record ClassMemory(
            double initialMomentum,
            double power,
            long annealingUpdates,
            double minMomentum,
            double contextWeight,
            double temperature,
            int backgroundPrototypes)
            implements Serializable {}

    /**
     * DSRG's region growing (Huang et al., CVPR 2018): a pixel joins a neighbouring region of class
     * c when c is its most probable class and that probability exceeds theta_f = 0.85 (foreground)
     * or theta_b = 0.99 (background); the seeds come from {@link Seeds}.
     */
    public record Dsrg(double foregroundGrowThreshold, double backgroundGrowThreshold) implements Serializable {}

    /**
     * Class maps for pseudo-labels, as IRN's {@code step/make_cam.py} and ReCAM's {@code
     * step/make_recam.py} make them: the image at each of {@code scales} and (with {@code flip})
     * mirrored, the rectified maps summed at the image's size and each divided by its maximum.
     * {@code reCam}: read ReCAM's maps (the second head's weight times the classifier's) instead
     * of the classifier's.
     */
    public record Cam(List<Double> scales, boolean flip, boolean reCam) implements Serializable {}

    /**
     * Confident seeds and the dense CRF on labels (IRN's {@code step/cam_to_ir_label.py} and
     * {@code misc/imutils.py}): the background constant {@code foregroundThreshold} makes the
     * foreground labelling, {@code backgroundThreshold} the background one, and the band between
     * them is ignored. IRN uses 0.30 and 0.05, ReCAM 0.35 and 0.10. The defaults, 0.30 and 0.20,
     * were best on the segmentation benchmark's tuning split after 400 classifier steps (0.60 and
     * 0.30 after 800): our maps are wider than IRN's, and a young classifier's narrower still. With
     * 0.60 and 0.30 the stream's first segmenters did not improve on later versions (pipeline test). Each labelling goes through a CRF
     * (with {@code crf}) of {@code iterations} mean-field steps with unary confidence
     * {@code labelConfidence} (gt_prob 0.7), a Gaussian kernel (sxy 3, compat 3) and a bilateral
     * one (sxy 50, srgb 13, compat 10). The sxy values are for PASCAL VOC's images, whose long side
     * is {@code referenceSide} = 500 pixels, and scale with the long side of the image the CRF runs
     * on (sxy 50 is 9.6 pixels at 96); srgb is in 8-bit RGB units and does not scale.
     */
    public record Seeds(
            double foregroundThreshold,
            double backgroundThreshold,
            boolean crf,
            int iterations,
            double labelConfidence,
            double gaussianSxy,
            double gaussianCompat,
            double bilateralSxy,
            double bilateralSrgb,
            double bilateralCompat,
            int referenceSide)
            implements Serializable {}

    /**
     * AffinityNet's random walk (PSA; IRN's {@code misc/indexing.py}): an affinity head of 1x1
     * layers of {@code channels} on the image's colours and the classifier's features, trained from
     * confident seeds on the pairs within {@code radius} (5) for {@code epochs} passes at
     * {@code learningRate} (Adam); the maps are walked with T = (A^beta, column-normalised)^(2^logSteps)
     * (beta 10, t 8), then the background scores {@code backgroundScore} (IRN's sem_seg_bg_thres
     * 0.25, ReCAM 0.28) against the walked maps divided by their maximum. The affinities and the walk
     * live on a grid of about {@code gridSide} cells along the image's long side: IRN walks its
     * stride-4 features of 512-pixel crops, 128 cells, so 2^8 steps of radius 5 reach about a third
     * of the image. The grid's stride is the long side / gridSide, rounded, at least 1 (a 96-pixel
     * image is walked pixel by pixel; at the backbone's stride 4 its 24 cells would be crossed many
     * times over, and boundaries would be 4 pixels coarse). Each training step reads one random
     * window of {@code trainingCrop} cells of that grid (IRN and PSA train on random crops); 48 keeps
     * a step on the CPU near a second at batch 16.
     */
    public record Affinity(
            int radius,
            int gridSide,
            int trainingCrop,
            List<Integer> channels,
            double beta,
            int logSteps,
            double backgroundScore,
            double learningRate,
            int epochs,
            long seed)
            implements Serializable {}

    /**
     * The segmentation network (DeepLab-style: dilated backbone, then a small ASPP of 3x3 branches
     * with the given dilations, summed) and its training. {@code fullLabelWeight}: alpha of the
     * cross-entropy on images that come with a pixel mask (DSRG's semi-supervised setting, 2).
     */
    public record Segmenter(
            List<Integer> channels,
            List<Integer> strides,
            List<Integer> dilations,
            List<Integer> asppDilations,
            int batchSize,
            double learningRate,
            int epochs,
            double fullLabelWeight,
            long seed)
            implements Serializable {}

    /**
     * DSRG's boundary (constrain) loss, with its safeguards ({@code pylayers.py}, ConstrainLossLayer,
     * SoftmaxLayer and CRFLayer): the mean over pixels of sum_c Q log(clip(Q / P, 0.05, 20)), where P
     * is the segmenter's softmax floored at 1e-4 and renormalised, and Q, a fixed target, the dense
     * CRF of P at the output resolution, floored and renormalised the same way. The CRF is DSRG's
     * ({@code CRF(im, probs, scale_factor=12)}: {@code iterations} mean-field steps, bilateral weight
     * 10 with sxy 80/12 and srgb 13, Gaussian weight 3 with sxy 3/12), its sxy in pixels of DSRG's
     * 41-pixel output ({@code referenceSide}), scaled to this output's long side. The weight is 0
     * for {@code warmupSteps} segmenter steps, while the seed loss shapes the segmenter, then rises
     * linearly to {@code weight} over {@code rampSteps}.
     * {@code unary}: the CRF's unary energy from P. "probability" is DSRG's own and the default
     * (CRFLayer hands {@code CRF.py} the probabilities, which sets the energy to -P): the kernels,
     * weights 10 and 3, then outweigh any opinion of the segmenter, whose values lie in [0, 1], and
     * Q is the image's colour regions. "log-probability" is -log P (pydensecrf's {@code
     * unary_from_softmax}, PSA's and IRN's {@code crf_inference}), under which a confident segmenter
     * keeps its labels. In the streaming trainer both collapsed the segmenter to background (-log P
     * held for 750 steps in one run, and collapsed before step 500 in the next; see the README).
     */
    public record Boundary(
            int iterations,
            double gaussianSxy,
            double gaussianCompat,
            double bilateralSxy,
            double bilateralSrgb,
            double bilateralCompat,
            int referenceSide,
            double weight,
            int warmupSteps,
            int rampSteps,
            String unary)
            implements Serializable {
        /** Whether the CRF's unary energy is -log P (else DSRG's -P). */
        public boolean logProbabilityUnary() {
            return unary.equals("log-probability");
        }
    }

    /**
     * The streaming system: topic names share {@code topicPrefix}; images larger than
     * {@code maxImageSide} pixels on a side are refused before they are decoded; an image id seen
     * within {@code duplicateIdRetentionSeconds} is a duplicate (the ids are forgotten after that, so
     * the job's state holds the ids of one retention window, not of every image ever seen). {@code localizationPasses}: 0 gives
     * the localization job FickleNet's expectation (dropout off, one forward pass per image); N >= 1
     * runs N stochastic passes with Grad-CAM, {@code ficklenet.passesPerBatch} at a time, and takes
     * per class the maximum over the passes (FickleNet's rule: a pixel is claimed if any map claims it).
     * With {@code affinityWalk} the maps are walked with the newest affinity head the trainer
     * published (see {@code affinity}; until the first, they go on unwalked); the walk costs more
     * CPU than the maps themselves, so a job short of it may turn it off.
     * The localization job runs its models on micro-batches of up to {@code microBatchSize} images
     * and {@code microBatchMaxPixels} pixels in all (an image larger than that goes alone), waiting
     * at most {@code microBatchMaxWaitMs} for a batch to fill (size 1 = one image at a time).
     */
    public record Stream(
            String topicPrefix,
            int maxImageSide,
            int duplicateIdRetentionSeconds,
            int localizationPasses,
            boolean affinityWalk,
            int microBatchSize,
            long microBatchMaxPixels,
            int microBatchMaxWaitMs)
            implements Serializable {
        public Duration duplicateIdRetention() {
            return Duration.ofSeconds(duplicateIdRetentionSeconds);
        }
    }

    /**
     * The streaming trainer. Images are resized to {@code imageWidth x imageHeight} for batching.
     * Each model keeps a replay buffer of up to {@code replayCapacity} samples (reservoir sampling
     * over the whole stream); a step trains on the samples not yet trained on, topped up with the
     * buffered samples trained on least, and runs after every {@code samplesPerStep} new samples, and, when no new samples
     * arrive, every {@code idleStepIntervalMs} (while samples still trickle in, no sooner than the
     * last such step took, so that they are read in between) until {@code idleStepLimit} idle steps. Snapshots go
     * to the models topic every {@code publishEverySteps} steps or {@code publishEverySeconds},
     * whichever comes first. Images with a mask whose id hashes into {@code evalPercent} percent are
     * held out (up to {@code evalImages}) to score every publication; they are never trained on.
     * With {@code gate}, a new version is published only when it is not worse than the one in
     * service on those images: its mIoU may fall short of the served one's by at most {@code
     * gateStandardErrors} standard errors of the difference (a paired bootstrap over the images);
     * below {@code gateMinImages} held-out images every version is published. A refused version is
     * not published and training goes on from it; the next candidate is compared again.
     * An image waits up to {@code pairingRetentionSeconds} for its seed record (and a seed record
     * for its image); halves still alone after that are dropped.
     * {@code gain}: whether the classifier's objective includes GAIN's attention mining (BCE and
     * ReCAM always do). On by default: over 5,000 steps of the trainer benchmark, mining from step
     * 1,000 raised the held-out mIoU of the classifier's seeds to 0.404 against 0.292 without it,
     * with no skipped step (a mining step takes about 1.75 times as long as a step without).
     * {@code boundaryLoss}: whether the segmenter's objective includes DSRG's boundary loss. Off
     * by default: in the trainer benchmark it trains stably but ends where the segmenter ends
     * without it on synthetic images (0.701 at 5,000 steps; 0.008 higher on average over the second
     * half of the run) and 0.040 lower on CamVid (0.476 against 0.516), for a dense CRF per image
     * per step (about 17% fewer trainer steps per second).
     * {@code averageDecay}: each model's published weights are an exponential moving average of its
     * weights over the steps, with this decay per step (Mean Teacher's schedule: the plain mean over
     * the first 1 / (1 - decay) steps); 0 publishes the weights of the latest step.
     */
    public record Trainer(
            int imageWidth,
            int imageHeight,
            int replayCapacity,
            int samplesPerStep,
            long idleStepIntervalMs,
            int idleStepLimit,
            int publishEverySteps,
            int publishEverySeconds,
            int evalPercent,
            int evalImages,
            boolean gate,
            int gateMinImages,
            double gateStandardErrors,
            boolean gain,
            boolean boundaryLoss,
            double averageDecay,
            int pairingRetentionSeconds)
            implements Serializable {
        public Duration pairingRetention() {
            return Duration.ofSeconds(pairingRetentionSeconds);
        }
    }

    /**
     * The model server, listening on {@code port}. The models run on one inference thread (the
     * device does one forward pass at a time anyway), which batches up to {@code maxBatchSize}
     * segmentation requests, waiting at most {@code maxBatchWaitMs} for a batch to fill; at most
     * {@code maxQueuedRequests} wait, further ones get 503. Uploads above {@code maxUploadBytes} or {@code maxImageSide} pixels on a side
     * are refused (413) before decoding. FickleNet maps take at most {@code maxLocalizationPasses}
     * stochastic passes per request. The pages show the {@code recentPredictions} newest streamed
     * images with their seeds. For the labeling page the server keeps the unlabeled images that are
     * asked about, and the newest not (yet) asked up to {@code unlabeledCacheBytes}: a request for an
     * image older than that cannot be shown.
     */
    public record Server(
            int port,
            int maxBatchSize,
            int maxBatchWaitMs,
            int maxQueuedRequests,
            int maxUploadBytes,
            int maxImageSide,
            int maxLocalizationPasses,
            int recentPredictions,
            int unlabeledCacheBytes)
            implements Serializable {}

    /**
     * Active learning. An unlabeled image's uncertainty is {@code mutualInformationWeight} x BALD over
     * {@code stochasticPasses} FickleNet passes + {@code mapEntropyWeight} x the entropy of its
     * localization maps + {@code segmenterEntropyWeight} x the segmenter's mean pixel entropy. Once
     * {@code windowSize} images are scored (or {@code selectEveryMs} passed with any, for their share
     * of a batch), the selector asks for the {@code batchSize} best of that window and passes over the
     * rest, at most {@code budget} requests in all: priority = uncertainty +
     * {@code rarityWeight} x the rarity of the classes the model guesses (1 / sqrt(1 + labels seen
     * of the class)), skipping images whose thumbnail's cosine similarity to one already asked
     * exceeds {@code duplicateSimilarity}. The oracle labeler answers after {@code oracleDelayMs}.
     */
    public record Active(
            int stochasticPasses,
            double mutualInformationWeight,
            double mapEntropyWeight,
            double segmenterEntropyWeight,
            int windowSize,
            int batchSize,
            int budget,
            double rarityWeight,
            double duplicateSimilarity,
            long selectEveryMs,
            long oracleDelayMs,
            long seed)
            implements Serializable {}

    private static final Gson GSON = new GsonBuilder().setPrettyPrinting().create();

    /** The papers' settings, and a backbone sized for CPU training from scratch. */
    public static SeedStreamConfig defaults() {
        return new SeedStreamConfig(
                new Synthetic(96, 6, 1, 3, 0.0, 0.35, 7L),
                new Backbone(List.of(24, 32, 48, 64, 96, 128), List.of(2, 1, 2, 1, 1, 1), List.of(1, 1, 1, 1, 2, 4)),
                // Output stride 4 (24 x 24 maps at 96 px): the last stride-2 layer dilates instead, as
                // the segmenter does. The paper's s = 9 is for 41 x 41 feature maps; s = 5 keeps the
                // window near a fifth of the 24 x 24 map, as 9 of 41 is.
                new FickleNet(5, 0.9, 200, 0.35, 50, "channel", "factorized"),
                new ReCam(1.0, 0.1),
                new Gain(0.5, 10.0, 0.2, 10.0, 1000, 1e-4, 32),
                new ClassifierTraining(16, 1e-3, 0.0, List.of(0.625, 1.25), 11L),
                new ClassMemory(0.9, 0.9, 1000, 0.01, 0.0, 0.2, 4),
                new Dsrg(0.85, 0.99),
                new Cam(List.of(1.0, 0.5, 1.5, 2.0), true, false),
                new Seeds(0.30, 0.20, true, 10, 0.7, 3, 3, 50, 13, 10, 500),
                new Affinity(5, 128, 48, List.of(64, 64), 10, 8, 0.25, 1e-3, 3, 19L),
                // Output stride 4: the last layers dilate instead of striding, as DeepLab does.
                new Segmenter(
                        List.of(24, 32, 48, 64, 96, 128),
                        List.of(2, 1, 2, 1, 1, 1),
                        List.of(1, 1, 1, 2, 2, 4),
                        List.of(1, 2, 4),
                        16,
                        1e-3,
                        8,
                        2.0,
                        13L),
                new Boundary(10, 3 / 12.0, 3, 80 / 12.0, 13, 10, 41, 1.0, 100, 200, "probability"),
                new Stream("seedstream.", 4096, 7 * 24 * 3600, 0, true, 16, 1 << 20, 50),
                new Trainer(96, 96, 512, 4, 20, 2000, 50, 30, 10, 64, true, 20, 2.0, true, false, 0.99, 24 * 3600),
                new Server(8090, 16, 5, 256, 16 << 20, 2048, 200, 12, 64 << 20),
                new Active(20, 1.0, 1.0, 1.0, 32, 8, 200, 0.5, 0.97, 10_000, 2_000, 17L),
                "cpu");
    }

    /** Reads a JSON file over the defaults. */
    public static SeedStreamConfig load(Path file) throws IOException {
        try {
            JsonObject tree = JsonParser.parseString(Files.readString(file)).getAsJsonObject();
            return defaults().merged(tree);
        } catch (JsonParseException | IllegalStateException e) {
            throw new IllegalArgumentException("invalid configuration file " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Applies overrides written as dotted paths, e.g. {@code ficklenet.windowSize=5}; lists are
     * comma-separated. Unknown keys are rejected so a typo never silently keeps a default.
     */
    public SeedStreamConfig with(Map<String, String> overrides) {
        JsonObject tree = toJsonTree();
        for (Map.Entry<String, String> e : overrides.entrySet()) {
            String[] path = e.getKey().split("\\.");
            JsonObject node = tree;
            for (int i = 0; i < path.length - 1; i++) {
                JsonElement child = node.get(path[i]);
                if (child == null || !child.isJsonObject()) {
                    throw unknownKey(e.getKey());
                }
                node = child.getAsJsonObject();
            }
            String leaf = path[path.length - 1];
            JsonElement current = node.get(leaf);
            if (current == null || current.isJsonObject()) {
                throw unknownKey(e.getKey());
            }
            node.add(leaf, parseValue(current, e.getValue()));
        }
        return fromJsonTree(tree);
    }

    /** One override, see {@link #with(Map)}. */
    public SeedStreamConfig with(String key, Object value) {
        return with(Map.of(key, String.valueOf(value)));
    }

    public String toJson() {
        return GSON.toJson(this);
    }

    public JsonObject toJsonTree() {
        return GSON.toJsonTree(this).getAsJsonObject();
    }

    private SeedStreamConfig merged(JsonObject overlay) {
        JsonObject tree = toJsonTree();
        deepMerge(tree, overlay, "");
        return fromJsonTree(tree);
    }

    private static void deepMerge(JsonObject base, JsonObject overlay, String prefix) {
        for (Map.Entry<String, JsonElement> e : overlay.entrySet()) {
            JsonElement current = base.get(e.getKey());
            if (current == null) {
                throw unknownKey(prefix + e.getKey());
            }
            if (current.isJsonObject() && e.getValue().isJsonObject()) {
                deepMerge(current.getAsJsonObject(), e.getValue().getAsJsonObject(), prefix + e.getKey() + ".");
            } else {
                base.add(e.getKey(), e.getValue());
            }
        }
    }

    /** Groups renamed since a release: their old name and the new one. */
    private static final Map<String, String> RENAMED_GROUPS = Map.of("training", "classifier");

    private static IllegalArgumentException unknownKey(String key) {
        String group = key.contains(".") ? key.substring(0, key.indexOf('.')) : key;
        String renamed = RENAMED_GROUPS.get(group);
        return new IllegalArgumentException(
                renamed == null
                        ? "unknown configuration key: " + key
                        : "configuration key " + key + " is now " + renamed + key.substring(group.length()));
    }

    private static SeedStreamConfig fromJsonTree(JsonObject tree) {
        SeedStreamConfig config = GSON.fromJson(tree, SeedStreamConfig.class);
        config.validate();
        return config;
    }

    private static JsonElement parseValue(JsonElement current, String text) {
        if (current.isJsonArray()) {
            var array = new JsonArray();
            for (String part : text.split(",")) {
                array.add(parseNumber(part.trim()));
            }
            return array;
        }
        JsonPrimitive primitive = current.getAsJsonPrimitive();
        if (primitive.isNumber()) {
            return parseNumber(text);
        }
        if (primitive.isBoolean()) {
            return new JsonPrimitive(Boolean.parseBoolean(text));
        }
        return new JsonPrimitive(text);
    }

    private static JsonPrimitive parseNumber(String text) {
        try {
            return text.matches("-?\\d+")
                    ? new JsonPrimitive(Long.parseLong(text))
                    : new JsonPrimitive(Double.parseDouble(text));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a number: " + text, e);
        }
    }

    /** Rejects settings no run can use, with the reason. */
    public void validate() {
        require(synthetic.imageSize() >= 16, "synthetic.imageSize must be at least 16");
        require(synthetic.numClasses() >= 1 && synthetic.numClasses() <= 8, "synthetic.numClasses must be 1..8");
        require(
                synthetic.minObjects() >= 1 && synthetic.maxObjects() >= synthetic.minObjects(),
                "synthetic.minObjects must be >= 1 and <= maxObjects");
        require(synthetic.maxObjects() <= synthetic.numClasses(), "synthetic.maxObjects must not exceed numClasses");
        int layers = backbone.channels().size();
        require(
                layers > 0
                        && backbone.strides().size() == layers
                        && backbone.dilations().size() == layers,
                "backbone.channels, strides and dilations must have the same, non-zero length");
        require(
                ficklenet.windowSize() % 2 == 1 && ficklenet.windowSize() >= 1,
                "ficklenet.windowSize must be odd (the window needs a center)");
        require(ficklenet.dropRate() >= 0 && ficklenet.dropRate() < 1, "ficklenet.dropRate must be in [0, 1)");
        require(ficklenet.passes() >= 1 && ficklenet.passesPerBatch() >= 1, "ficklenet.passes must be >= 1");
        require(ficklenet.threshold() > 0 && ficklenet.threshold() < 1, "ficklenet.threshold must be in (0, 1)");
        require(
                ficklenet.mapWeights().equals("channel")
                        || ficklenet.mapWeights().equals("pixel"),
                "ficklenet.mapWeights must be channel or pixel, was " + ficklenet.mapWeights());
        require(
                ficklenet.form().equals("factorized") || ficklenet.form().equals("expanded"),
                "ficklenet.form must be factorized or expanded, was " + ficklenet.form());
        require(
                recam.lambda() >= 0 && recam.fineTuneScale() > 0 && recam.fineTuneScale() <= 1,
                "recam needs lambda >= 0 and fineTuneScale in (0, 1]");
        require(
                classifier.batchSize() >= 1 && classifier.learningRate() > 0,
                "classifier needs batchSize >= 1, learningRate > 0");
        require(
                gain.omega() > 0
                        && gain.alpha() >= 0
                        && gain.extensionWeight() >= 0
                        && gain.startStep() >= 0
                        && gain.learningRate() > 0
                        && gain.maxErasedImages() >= 1,
                "gain needs omega > 0, alpha >= 0, extensionWeight >= 0, startStep >= 0, learningRate > 0 and maxErasedImages >= 1");
        require(
                classifier.rescaleRange().size() == 2
                        && classifier.rescaleRange().get(0) > 0
                        && classifier.rescaleRange().get(0)
                                <= classifier.rescaleRange().get(1),
                "classifier.rescaleRange must be two factors, 0 < min <= max");
        require(
                !cam.scales().isEmpty() && cam.scales().stream().allMatch(scale -> scale > 0),
                "cam.scales must be positive, one or more");
        require(
                seeds.backgroundThreshold() >= 0
                        && seeds.backgroundThreshold() <= seeds.foregroundThreshold()
                        && seeds.foregroundThreshold() < 1,
                "seeds need 0 <= backgroundThreshold <= foregroundThreshold < 1");
        require(
                seeds.iterations() >= 1
                        && seeds.labelConfidence() > 0
                        && seeds.labelConfidence() < 1
                        && seeds.gaussianSxy() > 0
                        && seeds.bilateralSxy() > 0
                        && seeds.bilateralSrgb() > 0
                        && seeds.gaussianCompat() >= 0
                        && seeds.bilateralCompat() >= 0
                        && seeds.referenceSide() >= 1,
                "seeds' CRF needs iterations >= 1, labelConfidence in (0, 1), positive sxy and srgb, compat >= 0 and referenceSide >= 1");
        require(
                affinity.radius() >= 2
                        && !affinity.channels().isEmpty()
                        && affinity.beta() > 0
                        && affinity.logSteps() >= 0
                        && affinity.logSteps() <= 16
                        && affinity.learningRate() > 0
                        && affinity.epochs() >= 0,
                "affinity needs radius >= 2, one or more layers, beta > 0, logSteps in 0..16, learningRate > 0, epochs >= 0");
        require(
                affinity.gridSide() >= 8 && affinity.trainingCrop() > 2 * affinity.radius(),
                "affinity needs gridSide >= 8 cells and a trainingCrop wider than twice its radius");
        require(
                affinity.backgroundScore() >= 0 && affinity.backgroundScore() < 1,
                "affinity.backgroundScore must be in [0, 1)");
        require(
                memory.initialMomentum() > 0
                        && memory.initialMomentum() <= 1
                        && memory.minMomentum() >= 0
                        && memory.minMomentum() <= memory.initialMomentum(),
                "memory needs 0 < initialMomentum <= 1 and 0 <= minMomentum <= initialMomentum");
        require(
                memory.annealingUpdates() >= 1 && memory.power() >= 0,
                "memory needs annealingUpdates >= 1, power >= 0");
        require(memory.contextWeight() >= 0 && memory.contextWeight() <= 1, "memory.contextWeight must be in [0, 1]");
        require(memory.temperature() > 0, "memory.temperature must be positive");
        require(memory.backgroundPrototypes() >= 1, "memory.backgroundPrototypes must be >= 1");
        require(
                dsrg.foregroundGrowThreshold() > 0
                        && dsrg.foregroundGrowThreshold() < 1
                        && dsrg.backgroundGrowThreshold() > 0
                        && dsrg.backgroundGrowThreshold() < 1,
                "dsrg grow thresholds must be in (0, 1)");
        int segmenterLayers = segmenter.channels().size();
        require(
                segmenterLayers > 0
                        && segmenter.strides().size() == segmenterLayers
                        && segmenter.dilations().size() == segmenterLayers
                        && !segmenter.asppDilations().isEmpty(),
                "segmenter.channels, strides and dilations must have the same, non-zero length, and asppDilations one entry or more");
        require(
                segmenter.batchSize() >= 1
                        && segmenter.learningRate() > 0
                        && segmenter.epochs() >= 1
                        && segmenter.fullLabelWeight() >= 0,
                "segmenter needs batchSize >= 1, learningRate > 0, epochs >= 1, fullLabelWeight >= 0");
        require(
                boundary.iterations() >= 1
                        && boundary.gaussianSxy() > 0
                        && boundary.bilateralSxy() > 0
                        && boundary.bilateralSrgb() > 0
                        && boundary.gaussianCompat() >= 0
                        && boundary.bilateralCompat() >= 0
                        && boundary.referenceSide() >= 1,
                "boundary needs iterations >= 1, positive sxy and srgb, compatibilities >= 0 and referenceSide >= 1");
        require(
                boundary.weight() >= 0 && boundary.warmupSteps() >= 0 && boundary.rampSteps() >= 0,
                "boundary needs weight >= 0, warmupSteps >= 0 and rampSteps >= 0");
        require(
                boundary.unary().equals("probability") || boundary.unary().equals("log-probability"),
                "boundary.unary must be probability or log-probability, was " + boundary.unary());
        require(stream.maxImageSide() >= 16, "stream.maxImageSide must be at least 16");
        require(
                trainer.imageWidth() >= 16 && trainer.imageHeight() >= 16,
                "trainer.imageWidth and imageHeight must be at least 16");
        require(
                trainer.replayCapacity() >= 1 && trainer.samplesPerStep() >= 1,
                "trainer needs replayCapacity >= 1, samplesPerStep >= 1");
        require(
                trainer.idleStepIntervalMs() >= 1 && trainer.idleStepLimit() >= 0,
                "trainer needs idleStepIntervalMs >= 1, idleStepLimit >= 0");
        require(trainer.averageDecay() >= 0 && trainer.averageDecay() < 1, "trainer needs averageDecay in [0, 1)");
        require(
                trainer.publishEverySteps() >= 1 && trainer.publishEverySeconds() >= 1,
                "trainer publishes every >= 1 steps and seconds");
        require(
                trainer.pairingRetentionSeconds() >= 60,
                "trainer.pairingRetentionSeconds must be at least 60: seeds come a checkpoint or more after their image");
        require(
                trainer.evalPercent() >= 0 && trainer.evalPercent() < 100 && trainer.evalImages() >= 0,
                "trainer.evalPercent must be in [0, 100), evalImages >= 0");
        require(
                trainer.gateMinImages() >= 2 && trainer.gateStandardErrors() >= 0,
                "trainer.gateMinImages must be at least 2 (a standard error needs two images) and gateStandardErrors >= 0");
        require(stream.duplicateIdRetentionSeconds() >= 1, "stream.duplicateIdRetentionSeconds must be at least 1");
        require(
                stream.microBatchSize() >= 1 && stream.microBatchMaxPixels() >= 1 && stream.microBatchMaxWaitMs() >= 0,
                "stream needs microBatchSize >= 1, microBatchMaxPixels >= 1 and microBatchMaxWaitMs >= 0");
        require(stream.localizationPasses() >= 0, "stream.localizationPasses must be >= 0 (0 = dropout off)");
        require(server.port() >= 0 && server.port() <= 65535, "server.port must be 0..65535 (0 = any free port)");
        require(
                server.maxBatchSize() >= 1 && server.maxBatchWaitMs() >= 0 && server.maxQueuedRequests() >= 1,
                "server needs maxBatchSize >= 1, maxBatchWaitMs >= 0 and maxQueuedRequests >= 1");
        require(
                server.maxUploadBytes() >= 1024 && server.maxImageSide() >= 16,
                "server needs maxUploadBytes >= 1024 and maxImageSide >= 16");
        require(
                active.stochasticPasses() >= 2,
                "active.stochasticPasses must be >= 2 (mutual information needs passes that can disagree)");
        require(
                active.mutualInformationWeight() >= 0
                        && active.mapEntropyWeight() >= 0
                        && active.segmenterEntropyWeight() >= 0
                        && active.rarityWeight() >= 0,
                "active weights must be >= 0");
        require(
                active.windowSize() >= 1
                        && active.batchSize() >= 1
                        && active.batchSize() <= active.windowSize()
                        && active.budget() >= 1,
                "active needs windowSize >= batchSize >= 1 and budget >= 1");
        require(
                active.duplicateSimilarity() > 0 && active.duplicateSimilarity() <= 1,
                "active.duplicateSimilarity must be in (0, 1]");
        require(
                active.selectEveryMs() >= 1 && active.oracleDelayMs() >= 0,
                "active needs selectEveryMs >= 1 and oracleDelayMs >= 0");
        require(
                server.maxLocalizationPasses() >= 1 && server.recentPredictions() >= 1,
                "server needs maxLocalizationPasses >= 1 and recentPredictions >= 1");
        require(
                device.equals("cpu") || device.equals("auto") || device.matches("gpu(:\\d+)?"),
                "device must be cpu, auto or gpu[:index], was " + device);
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException("invalid configuration: " + message);
        }
    }
}
