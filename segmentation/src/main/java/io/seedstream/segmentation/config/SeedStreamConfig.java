package io.seedstream.segmentation.config;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The one typed configuration of SeedStream, with the papers' settings as defaults. Every job, the
 * server and the benchmarks read it; no hyperparameter lives anywhere else. Each setting is declared
 * once, on its record component, with its default, documentation and allowed values ({@link
 * Setting}); {@code ./seedstream config} lists them all.
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

        @Setting(
                value = "cpu",
                pattern = "cpu|auto|gpu(:\\d+)?",
                doc = "Where the models run: cpu, gpu[:index], or auto (the first GPU when there is one)."
                        + " A Flink task manager's subtasks spread over its GPUs (see TaskDevice).")
        String device)
        implements Serializable {

    @Setting.Group("The synthetic part/body data set the tests and benchmarks generate.")
    public record Synthetic(
            @Setting(value = "96", range = "[16, )", doc = "Side of the square images, in pixels.")
            int imageSize,

            @Setting(value = "6", range = "[1, 8]", doc = "Number of object classes (besides the background).")
            int numClasses,

            @Setting(value = "1", range = "[1, )", doc = "Fewest objects in an image.")
            int minObjects,

            @Setting(value = "3", range = "[1, )", doc = "Most objects in an image (at most numClasses).")
            int maxObjects,

            @Setting(
                    value = "0.0",
                    range = "[0, 1]",
                    doc = "Probability that an image's background is the habitat of its first object (0 = no bias).")
            double cooccurrenceBias,

            @Setting(
                    value = "0.35",
                    range = "[0, 1]",
                    doc = "Probability that a body's colour comes from its class's hue band instead of anywhere.")
            double bodyColourCue,

            @Setting(value = "7", doc = "Random seed of the generator.")
            long seed)
            implements Serializable {}

    @Setting.Group(
            "The classifier's backbone CNN, one entry per 3x3 conv layer; its output is the k x h x w feature map.")
    public record Backbone(
            @Setting(value = "24,32,48,64,96,128", range = "[1, )", minSize = 1, doc = "Output channels of each layer.")
            List<Integer> channels,

            @Setting(
                    value = "2,1,2,1,1,1",
                    range = "[1, )",
                    minSize = 1,
                    doc = "Stride of each layer. Output stride 4 (24 x 24 maps at 96 px): the last stride-2"
                            + " layer dilates instead, as the segmenter does.")
            List<Integer> strides,

            @Setting(value = "1,1,1,1,2,4", range = "[1, )", minSize = 1, doc = "Dilation of each layer.")
            List<Integer> dilations)
            implements Serializable {}

    @Setting.Group("FickleNet (Lee et al., CVPR 2019): stochastic localization maps from center-preserving dropout"
            + " on sliding windows of the feature map.")
    public record FickleNet(
            @Setting(
                    value = "5",
                    range = "[1, )",
                    doc = "s, the window's side (odd: the window needs a center). The paper's s = 9 is for"
                            + " 41 x 41 feature maps; s = 5 keeps the window near a fifth of the 24 x 24 map,"
                            + " as 9 of 41 is.")
            int windowSize,

            @Setting(
                    value = "0.9",
                    range = "[0, 1)",
                    doc = "p, the dropout rate of the window's hidden units (paper: 0.9).")
            double dropRate,

            @Setting(
                    value = "200",
                    range = "[1, )",
                    doc = "N, the number of stochastic passes wherever FickleNet's dropout is sampled (paper:"
                            + " 200): the maps of the benchmarks, of the server (up to server.maxLocalizationPasses"
                            + " per request) and of the localization job with stream.stochasticMaps, and the"
                            + " class-score samples of active learning's mutual information (which needs 2 or"
                            + " more to be other than 0).")
            int passes,

            @Setting(
                    value = "0.35",
                    range = "(0, 1)",
                    doc = "theta: a pixel belongs to a class when any of the N maps exceeds it (paper: 0.35).")
            double threshold,

            @Setting(
                    value = "50",
                    range = "[1, )",
                    doc = "Passes computed together in one batch (memory against speed).")
            int passesPerBatch,

            @Setting(
                    value = "channel",
                    oneOf = {"channel", "pixel"},
                    doc = "How each pass's map is weighted: channel is Grad-CAM (the gradient's spatial mean"
                            + " per channel); pixel keeps the gradient per pixel, which lets the N maps differ"
                            + " (see the localization benchmark).")
            String mapWeights,

            @Setting(
                    value = "factorized",
                    oneOf = {"factorized", "expanded"},
                    doc = "How the passes are computed: factorized uses the head's linearity (far faster);"
                            + " expanded is FickleNet's feature-map expansion, the reference. Both give the"
                            + " same maps for the same dropout masks.")
            String form)
            implements Serializable {}

    @Setting.Group("ReCAM (Chen et al., CVPR 2022): the classifier's loss is BCE + lambda * SCE.")
    public record ReCam(
            @Setting(
                    value = "1.0",
                    range = "[0, )",
                    doc = "lambda, the weight of the softmax cross-entropy (paper: 1).")
            double lambda,

            @Setting(
                    value = "0.1",
                    range = "(0, 1]",
                    doc = "Offline, ReCAM fine-tunes a trained CAM classifier with its loss, the backbone and"
                            + " classifier at this share of the ReCAM head's learning rate (step/train_recam.py:"
                            + " 0.1).")
            double fineTuneScale)
            implements Serializable {}

    @Setting.Group("GAIN (Li et al., CVPR 2018): T(A) = sigmoid(omega (A - sigma)), L = L_cls + alpha L_am"
            + " (+ extensionWeight L_e with pixel masks, GAINext), on the references' schedule. The attention is"
            + " min-max normalised with detached normalisers, and the erased pass runs in eval mode with batch norm"
            + " and the head frozen. Switched on and off by trainer.gain.")
    public record Gain(
            @Setting(value = "0.5", range = "[0, 1]", doc = "sigma, the attention threshold of the soft mask.")
            double sigma,

            @Setting(value = "10.0", range = "(0, )", doc = "omega, the soft mask's steepness.")
            double omega,

            @Setting(
                    value = "0.2",
                    range = "[0, )",
                    doc = "alpha, the weight of attention mining: 0.2 weighs classification to mining 5 : 1.")
            double alpha,

            @Setting(value = "10.0", range = "[0, )", doc = "Weight of GAINext's loss on images with a pixel mask.")
            double extensionWeight,

            @Setting(
                    value = "1000",
                    range = "[0, )",
                    doc = "Classifier steps on BCE alone before attention mining starts (GAIN-pytorch"
                            + " pretrains 5 epochs first, main_GAIN_VOC.py).")
            int startStep,

            @Setting(
                    value = "1e-4",
                    range = "(0, )",
                    doc = "The classifier's learning rate at most once mining has started (GAIN-pytorch's"
                            + " 1e-4 for batches of more than one).")
            double learningRate,

            @Setting(
                    value = "32",
                    range = "[1, )",
                    doc = "The paper erases one image per (image, class present) pair; when a batch has more"
                            + " pairs than this, this many are drawn uniformly without replacement, which keeps"
                            + " the expected loss and bounds a step's cost. CamVid's photos hold 6.8 classes"
                            + " each besides the background (a batch of 16 has about 110 pairs), and a trainer"
                            + " step on CamVid with all of them mined took 5 times as long as one without.")
            int maxErasedImages)
            implements Serializable {}

    @Setting.Group("Optimisation of the classifier; its batch size is also the affinity head's, which trains on the"
            + " classifier's features.")
    public record ClassifierTraining(
            @Setting(value = "16", range = "[1, )", doc = "Images per classifier step.")
            int batchSize,

            @Setting(value = "1e-3", range = "(0, )", doc = "Adam's learning rate.")
            double learningRate,

            @Setting(value = "0.0", range = "[0, )", doc = "Adam's weight decay.")
            double weightDecay,

            @Setting(
                    value = "0.625,1.25",
                    range = "(0, )",
                    minSize = 2,
                    doc = "Each batch is rescaled by a factor drawn uniformly from [min, max] (IRN's"
                            + " train_cam.py resizes the long side to 320..640 for 512 crops), so the"
                            + " classifier sees objects at the sizes multi-scale inference shows it.")
            List<Double> rescaleRange,

            @Setting(value = "11", doc = "Random seed of the classifier's weights and batches.")
            long seed)
            implements Serializable {}

    @Setting.Group("MCIBI's dataset-level class memory (Jin et al., ICCV 2021): each class's vector moves toward an"
            + " image's summary with momentum m = m0 (1 - t / annealingUpdates)^power after t updates of that class.")
    public record ClassMemory(
            @Setting(value = "0.9", range = "(0, 1]", doc = "m0, the momentum of a class's first update (paper: 0.9).")
            double initialMomentum,

            @Setting(value = "0.9", range = "[0, )", doc = "The annealing's power (paper: 0.9).")
            double power,

            @Setting(value = "1000", range = "[1, )", doc = "Updates of a class over which its momentum anneals.")
            long annealingUpdates,

            @Setting(
                    value = "0.01",
                    range = "[0, 1]",
                    doc = "A stream never ends, so m stops falling here instead of freezing the memory (at"
                            + " most initialMomentum).")
            double minMomentum,

            @Setting(
                    value = "0.0",
                    range = "[0, 1]",
                    doc = "Share of the memory's class probability (softmax over classes of cosine affinity /"
                            + " temperature) in a refined localization map: 0 = maps as localized, 1 = memory"
                            + " only. Off by default (the memory is learned and kept, the maps go on as"
                            + " localized): in the segmentation benchmark the best weight and temperature on"
                            + " the tuning split (0.1 and 0.2) still did not beat the maps without it, and on"
                            + " the training images it moved mIoU by -0.001 (-0.030 at weight 0.5).")
            double contextWeight,

            @Setting(value = "0.2", range = "(0, )", doc = "Temperature of the softmax over cosine affinities.")
            double temperature,

            @Setting(
                    value = "4",
                    range = "[1, )",
                    doc = "Vectors the background keeps (MCIBI's num_feats_per_cls), one per kind of"
                            + " background seen; a pixel's affinity to it is that to the most similar.")
            int backgroundPrototypes)
            implements Serializable {}

    @Setting.Group("DSRG's region growing (Huang et al., CVPR 2018): a pixel joins a neighbouring region of class c"
            + " when c is its most probable class and that probability exceeds the threshold; the seeds come from"
            + " seeds.*.")
    public record Dsrg(
            @Setting(
                    value = "0.85",
                    range = "(0, 1)",
                    doc = "theta_f, the threshold for foreground classes (paper: 0.85).")
            double foregroundGrowThreshold,

            @Setting(value = "0.99", range = "(0, 1)", doc = "theta_b, the threshold for the background (paper: 0.99).")
            double backgroundGrowThreshold)
            implements Serializable {}

    @Setting.Group("Class maps for pseudo-labels, as IRN's step/make_cam.py and ReCAM's step/make_recam.py make them:"
            + " the image at each scale and mirrored, the rectified maps summed at the image's size and each divided"
            + " by its maximum.")
    public record Cam(
            @Setting(
                    value = "1.0,0.5,1.5,2.0",
                    range = "(0, )",
                    minSize = 1,
                    doc = "The scales (IRN's 1, 0.5, 1.5, 2).")
            List<Double> scales,

            @Setting(value = "true", doc = "Whether each scale is also read mirrored.")
            boolean flip,

            @Setting(
                    value = "false",
                    doc = "Read ReCAM's maps (the second head's weight times the classifier's) instead of the"
                            + " classifier's.")
            boolean reCam)
            implements Serializable {}

    @Setting.Group("Confident seeds and the dense CRF on labels (IRN's step/cam_to_ir_label.py and misc/imutils.py):"
            + " the maps compete in an argmax against a constant background score, once at each threshold; the band"
            + " between the two labellings is ignored. The CRF's sxy values are for PASCAL VOC's images and scale with"
            + " the long side of the image the CRF runs on; srgb is in 8-bit RGB units and does not scale.")
    public record Seeds(
            @Setting(
                    value = "0.30",
                    range = "[0, 1)",
                    doc = "The background score of the foreground labelling (IRN 0.30, ReCAM 0.35). 0.30 and"
                            + " 0.20 were best on the segmentation benchmark's tuning split after 400 classifier"
                            + " steps (0.60 and 0.30 after 800): our maps are wider than IRN's, and a young"
                            + " classifier's narrower still. With 0.60 and 0.30 the stream's first segmenters"
                            + " did not improve on later versions (pipeline test).")
            double foregroundThreshold,

            @Setting(
                    value = "0.20",
                    range = "[0, 1)",
                    doc = "The background score of the background labelling (IRN 0.05, ReCAM 0.10); at most"
                            + " foregroundThreshold.")
            double backgroundThreshold,

            @Setting(value = "true", doc = "Whether each labelling goes through the dense CRF.")
            boolean crf,

            @Setting(value = "10", range = "[1, )", doc = "The CRF's mean-field steps.")
            int iterations,

            @Setting(
                    value = "0.7",
                    range = "(0, 1)",
                    doc = "The CRF's unary confidence in a label (IRN's gt_prob 0.7).")
            double labelConfidence,

            @Setting(value = "3", range = "(0, )", doc = "The Gaussian kernel's sxy at referenceSide (IRN: 3).")
            double gaussianSxy,

            @Setting(value = "3", range = "[0, )", doc = "The Gaussian kernel's weight (IRN: 3).")
            double gaussianCompat,

            @Setting(
                    value = "50",
                    range = "(0, )",
                    doc = "The bilateral kernel's sxy at referenceSide (IRN: 50; 9.6 pixels at 96).")
            double bilateralSxy,

            @Setting(value = "13", range = "(0, )", doc = "The bilateral kernel's srgb (IRN: 13).")
            double bilateralSrgb,

            @Setting(value = "10", range = "[0, )", doc = "The bilateral kernel's weight (IRN: 10).")
            double bilateralCompat,

            @Setting(
                    value = "500",
                    range = "[1, )",
                    doc = "The long side, in pixels, the sxy values are for (PASCAL VOC's 500).")
            int referenceSide)
            implements Serializable {}

    @Setting.Group("AffinityNet's random walk (PSA; IRN's misc/indexing.py): an affinity head of 1x1 layers on the"
            + " image's colours and the classifier's features, trained from confident seeds on the pairs within the"
            + " radius; the maps are walked with T = (A^beta, column-normalised)^(2^logSteps). The walk lives on a"
            + " grid of about gridSide cells along the image's long side.")
    public record Affinity(
            @Setting(value = "5", range = "[2, )", doc = "Pairs within this radius, in grid cells (IRN: 5).")
            int radius,

            @Setting(
                    value = "128",
                    range = "[8, )",
                    doc = "Cells along the long side. IRN walks its stride-4 features of 512-pixel crops, 128"
                            + " cells, so 2^8 steps of radius 5 reach about a third of the image. The grid's"
                            + " stride is the long side / gridSide, rounded, at least 1 (a 96-pixel image is"
                            + " walked pixel by pixel).")
            int gridSide,

            @Setting(
                    value = "48",
                    range = "[1, )",
                    doc = "Each training step reads one random window of this many cells (IRN and PSA train on"
                            + " random crops; wider than twice the radius); 48 keeps a step on the CPU near a"
                            + " second at batch 16.")
            int trainingCrop,

            @Setting(value = "64,64", range = "[1, )", minSize = 1, doc = "Channels of the head's 1x1 layers.")
            List<Integer> channels,

            @Setting(value = "10", range = "(0, )", doc = "beta, the affinities' power (IRN: 10).")
            double beta,

            @Setting(value = "8", range = "[0, 16]", doc = "log2 of the walk's steps (IRN: t = 256, 8).")
            int logSteps,

            @Setting(
                    value = "0.25",
                    range = "[0, 1)",
                    doc = "The background's score against the walked maps divided by their maximum (IRN's"
                            + " sem_seg_bg_thres 0.25, ReCAM 0.28).")
            double backgroundScore,

            @Setting(value = "1e-3", range = "(0, )", doc = "Adam's learning rate of the affinity head.")
            double learningRate,

            @Setting(
                    value = "3",
                    range = "[0, )",
                    doc = "Passes over the seeds when a benchmark trains the head offline (the stream trains it"
                            + " step by step).")
            int epochs,

            @Setting(value = "19", doc = "Random seed of the head's weights and crops.")
            long seed)
            implements Serializable {}

    @Setting.Group("The segmentation network (DeepLab-style: dilated backbone, then a small ASPP of 3x3 branches with"
            + " the given dilations, summed) and its training. Output stride 4: the last layers dilate instead of"
            + " striding, as DeepLab does.")
    public record Segmenter(
            @Setting(value = "24,32,48,64,96,128", range = "[1, )", minSize = 1, doc = "Output channels of each layer.")
            List<Integer> channels,

            @Setting(value = "2,1,2,1,1,1", range = "[1, )", minSize = 1, doc = "Stride of each layer.")
            List<Integer> strides,

            @Setting(value = "1,1,1,2,2,4", range = "[1, )", minSize = 1, doc = "Dilation of each layer.")
            List<Integer> dilations,

            @Setting(value = "1,2,4", range = "[1, )", minSize = 1, doc = "Dilation of each ASPP branch.")
            List<Integer> asppDilations,

            @Setting(value = "16", range = "[1, )", doc = "Images per segmenter step.")
            int batchSize,

            @Setting(value = "1e-3", range = "(0, )", doc = "Adam's learning rate.")
            double learningRate,

            @Setting(
                    value = "1.0,1.0",
                    range = "(0, )",
                    minSize = 2,
                    doc = "Each training image is rescaled by a factor drawn uniformly from [min, max] before"
                            + " its crop (DeepLab v2 draws from 0.5..1.5).")
            List<Double> rescaleRange,

            @Setting(value = "8", range = "[1, )", doc = "Epochs of offline training (the benchmarks).")
            int epochs,

            @Setting(
                    value = "2.0",
                    range = "[0, )",
                    doc = "alpha, the weight of the cross-entropy on images that come with a pixel mask (DSRG's"
                            + " semi-supervised setting: 2).")
            double fullLabelWeight,

            @Setting(value = "13", doc = "Random seed of the segmenter's weights and batches.")
            long seed)
            implements Serializable {}

    @Setting.Group("DSRG's boundary (constrain) loss with its safeguards (pylayers.py: ConstrainLossLayer,"
            + " SoftmaxLayer, CRFLayer): the mean over pixels of sum_c Q log(clip(Q / P, 0.05, 20)), where P is the"
            + " segmenter's softmax floored at 1e-4 and renormalised, and Q, a fixed target, the dense CRF of P at the"
            + " output resolution, floored and renormalised the same way. The CRF is DSRG's (CRF(im, probs,"
            + " scale_factor=12)), its sxy in pixels of DSRG's 41-pixel output, scaled to this output's long side."
            + " Switched on and off by trainer.boundaryLoss.")
    public record Boundary(
            @Setting(value = "10", range = "[1, )", doc = "The CRF's mean-field steps (DSRG: 10).")
            int iterations,

            @Setting(value = "0.25", range = "(0, )", doc = "The Gaussian kernel's sxy at referenceSide (DSRG: 3/12).")
            double gaussianSxy,

            @Setting(value = "3", range = "[0, )", doc = "The Gaussian kernel's weight (DSRG: 3).")
            double gaussianCompat,

            @Setting(
                    value = "6.666666666666667",
                    range = "(0, )",
                    doc = "The bilateral kernel's sxy at referenceSide (DSRG: 80/12).")
            double bilateralSxy,

            @Setting(value = "13", range = "(0, )", doc = "The bilateral kernel's srgb (DSRG: 13).")
            double bilateralSrgb,

            @Setting(value = "10", range = "[0, )", doc = "The bilateral kernel's weight (DSRG: 10).")
            double bilateralCompat,

            @Setting(value = "41", range = "[1, )", doc = "The output side the sxy values are for (DSRG's 41).")
            int referenceSide,

            @Setting(value = "1.0", range = "[0, )", doc = "The loss's weight once ramped up.")
            double weight,

            @Setting(
                    value = "100",
                    range = "[0, )",
                    doc = "Segmenter steps at weight 0, while the seed loss shapes the segmenter.")
            int warmupSteps,

            @Setting(value = "200", range = "[0, )", doc = "Segmenter steps over which the weight rises linearly.")
            int rampSteps,

            @Setting(
                    value = "probability",
                    oneOf = {"probability", "log-probability"},
                    doc = "The CRF's unary energy from P. probability is DSRG's own (CRFLayer hands CRF.py the"
                            + " probabilities, which sets the energy to -P): the kernels, weights 10 and 3,"
                            + " then outweigh any opinion of the segmenter, and Q is the image's colour regions."
                            + " log-probability is -log P (pydensecrf's unary_from_softmax, PSA's and IRN's"
                            + " crf_inference), under which a confident segmenter keeps its labels. In the"
                            + " streaming trainer both collapsed the segmenter to background (see the README).")
            String unary)
            implements Serializable {
        /** Whether the CRF's unary energy is -log P (else DSRG's -P). */
        public boolean logProbabilityUnary() {
            return unary.equals("log-probability");
        }
    }

    @Setting.Group("The streaming system: topics, input limits and the localization job.")
    public record Stream(
            @Setting(
                    value = "seedstream.",
                    pattern = "[A-Za-z0-9._-]*",
                    doc = "The prefix every topic name shares (Kafka's legal characters only).")
            String topicPrefix,

            @Setting(
                    value = "4096",
                    range = "[16, )",
                    doc = "Images larger than this many pixels on a side are refused before they are decoded.")
            int maxImageSide,

            @Setting(
                    value = "604800",
                    range = "[1, )",
                    doc = "An image id seen within this many seconds is a duplicate (the ids are forgotten"
                            + " after that, so the jobs' state holds the ids of one retention window, not of"
                            + " every image ever seen; the active-learning job forgets the images labeled as"
                            + " long ago, and would ask about one of them that came back). Default: a week.")
            int duplicateIdRetentionSeconds,

            @Setting(
                    value = "false",
                    doc = "false gives the localization job FickleNet's expectation (dropout off, one forward"
                            + " pass per view); true runs ficklenet.passes stochastic passes per view with"
                            + " Grad-CAM, ficklenet.passesPerBatch at a time, and takes per class the maximum"
                            + " over the passes (FickleNet's rule: a pixel is claimed if any map claims it).")
            boolean stochasticMaps,

            @Setting(
                    value = "true",
                    doc = "Walk the maps with the newest affinity head the trainer published (until the first,"
                            + " they go on unwalked); the walk costs more CPU than the maps themselves, so a job"
                            + " short of it may turn it off.")
            boolean affinityWalk,

            @Setting(
                    value = "16",
                    range = "[1, )",
                    doc = "Images per micro-batch of the localization job (1 = one image at a time).")
            int microBatchSize,

            @Setting(
                    value = "1048576",
                    range = "[1, )",
                    doc = "Pixels per micro-batch in all, at the images' working size (an image larger than"
                            + " that goes alone).")
            long microBatchMaxPixels,

            @Setting(value = "50", range = "[0, )", doc = "Milliseconds a micro-batch waits at most to fill.")
            int microBatchMaxWaitMs)
            implements Serializable {
        public Duration duplicateIdRetention() {
            return Duration.ofSeconds(duplicateIdRetentionSeconds);
        }
    }

    @Setting.Group("The streaming trainer: replay, steps, publication with its gate, and the held-out images.")
    public record Trainer(
            @Setting(
                    value = "96",
                    range = "[16, )",
                    doc = "The working resolution: images are scaled, aspect ratio kept, so that their shorter"
                            + " side has this many pixels. The trainer crops them; the jobs and the server compute"
                            + " maps, seeds and predictions at it and scale them back to each image's own size."
                            + " About the training crops' scale (DSRG and DeepLab: 321 on a GPU); 96 fits 2 CPU"
                            + " cores.")
            int shortSide,

            @Setting(
                    value = "96",
                    range = "[16, )",
                    doc = "Side of the square crops every model trains on, taken at a random place from each"
                            + " image at the working resolution after its model's random rescaling, so images of"
                            + " any size and shape batch together; a smaller image is padded with grey whose"
                            + " labels are ignored (IRN's imutils.random_crop; DSRG and DeepLab crop 321 px).")
            int cropSize,

            @Setting(
                    value = "512",
                    range = "[1, )",
                    doc = "Samples each model's replay buffer keeps (reservoir sampling over the whole stream);"
                            + " a step trains on the samples not yet trained on, topped up with the buffered"
                            + " samples trained on least.")
            int replayCapacity,

            @Setting(value = "4", range = "[1, )", doc = "A step runs after every this many new samples.")
            int samplesPerStep,

            @Setting(
                    value = "20",
                    range = "[1, )",
                    doc = "When no new samples arrive, a step runs every this many milliseconds (while samples"
                            + " still trickle in, no sooner than the last such step took, so that they are read"
                            + " in between).")
            long idleStepIntervalMs,

            @Setting(value = "2000", range = "[0, )", doc = "Idle steps at most between new samples.")
            int idleStepLimit,

            @Setting(value = "50", range = "[1, )", doc = "Snapshots go to the models topic every this many steps ...")
            int publishEverySteps,

            @Setting(value = "30", range = "[1, )", doc = "... or every this many seconds, whichever comes first.")
            int publishEverySeconds,

            @Setting(
                    value = "10",
                    range = "[0, 100)",
                    doc = "Images with a mask whose id hashes into this percent are held out to score every"
                            + " publication; they are never trained on.")
            int evalPercent,

            @Setting(value = "64", range = "[0, )", doc = "Held-out images kept at most.")
            int evalImages,

            @Setting(
                    value = "true",
                    doc = "Publish a new version only when it is not worse than the one in service on the"
                            + " held-out images. A refused version is not published and training goes on from"
                            + " it; the next candidate is compared again.")
            boolean gate,

            @Setting(value = "20", range = "[2, )", doc = "Below this many held-out images every version is published.")
            int gateMinImages,

            @Setting(
                    value = "2.0",
                    range = "[0, )",
                    doc = "A candidate's mIoU may fall short of the served one's by at most this many standard"
                            + " errors of the difference (a paired bootstrap over the images).")
            double gateStandardErrors,

            @Setting(
                    value = "true",
                    doc = "Whether the classifier's objective includes GAIN's attention mining (BCE and ReCAM"
                            + " always do). Over 5,000 steps of the trainer benchmark, mining from step 1,000"
                            + " raised the held-out mIoU of the classifier's seeds to 0.404 against 0.292"
                            + " without it, with no skipped step (a mining step takes about 1.75 times as long).")
            boolean gain,

            @Setting(
                    value = "false",
                    doc = "Whether the segmenter's objective includes DSRG's boundary loss. Off: in the trainer"
                            + " benchmark it trains stably but ends where the segmenter ends without it on"
                            + " synthetic images (0.701 at 5,000 steps) and 0.040 lower on CamVid (0.476"
                            + " against 0.516), for a dense CRF per image per step (about 17% fewer steps/s).")
            boolean boundaryLoss,

            @Setting(
                    value = "0.99",
                    range = "[0, 1)",
                    doc = "Each model's published weights are an exponential moving average of its weights over"
                            + " the steps, with this decay per step (Mean Teacher's schedule: the plain mean over"
                            + " the first 1 / (1 - decay) steps); 0 publishes the weights of the latest step.")
            double averageDecay,

            @Setting(
                    value = "86400",
                    range = "[60, )",
                    doc = "Seconds an image waits for its seed record (and a seed record for its image); halves"
                            + " still alone after that are dropped. At least 60: seeds come a checkpoint or more"
                            + " after their image.")
            int pairingRetentionSeconds,

            @Setting(
                    value = "",
                    doc = "Snapshot files the trainer's models start from instead of random weights (a warm"
                            + " start), each replacing the model of its name: the segmenter.snapshot that"
                            + " ./seedstream export writes, or another run's snapshot of any model with these classes"
                            + " and architecture settings. Paths or URIs the trainer's task manager reads (file:,"
                            + " s3:, hdfs:, ...) when its job starts without a checkpoint; after that its"
                            + " checkpoints hold the weights.")
            List<String> initFrom,

            @Setting(
                    value = "",
                    doc = "A snapshot file of another run's model whose backbone the classifier and the"
                            + " segmenter start from (their heads, and the classes, may differ from that run's);"
                            + " read as trainer.initFrom's files are, before them.")
            String initBackboneFrom)
            implements Serializable {
        public Duration pairingRetention() {
            return Duration.ofSeconds(pairingRetentionSeconds);
        }
    }

    @Setting.Group("The model server. The models run on one inference thread (the device does one forward pass at a"
            + " time anyway), which batches segmentation requests.")
    public record Server(
            @Setting(value = "8090", range = "[0, 65535]", doc = "The HTTP port (0 = any free port).")
            int port,

            @Setting(value = "16", range = "[1, )", doc = "Segmentation requests per batch at most.")
            int maxBatchSize,

            @Setting(value = "5", range = "[0, )", doc = "Milliseconds a batch waits at most to fill.")
            int maxBatchWaitMs,

            @Setting(value = "256", range = "[1, )", doc = "Requests waiting at most; further ones get 503.")
            int maxQueuedRequests,

            @Setting(value = "16777216", range = "[1024, )", doc = "Uploads above this many bytes are refused (413).")
            int maxUploadBytes,

            @Setting(
                    value = "2048",
                    range = "[16, )",
                    doc = "Uploads above this many pixels on a side are refused (413) before decoding.")
            int maxImageSide,

            @Setting(
                    value = "200",
                    range = "[1, )",
                    doc = "The most stochastic passes one localization request may ask for (?passes=; the"
                            + " default is ficklenet.passes, capped here): a bound on one request's cost.")
            int maxLocalizationPasses,

            @Setting(
                    value = "12",
                    range = "[1, )",
                    doc = "The pages show this many newest streamed images with their seeds.")
            int recentPredictions,

            @Setting(
                    value = "67108864",
                    range = "[0, )",
                    doc = "For the labeling page the server keeps the unlabeled images that are asked about,"
                            + " and the newest not (yet) asked up to this many bytes: a request for an image"
                            + " older than that cannot be shown.")
            int unlabeledCacheBytes,

            @Setting(
                    value = "",
                    doc = "A file whose first line is the server's access token. The endpoints that write"
                            + " labels or show training data (labeling, label requests, recent predictions,"
                            + " held-out images) need it, as a bearer token or the session cookie the pages get"
                            + " for it. Empty: the environment variable SEEDSTREAM_SERVER_TOKEN; with neither,"
                            + " the server makes one up at start and prints the address that signs in with it.")
            String tokenFile,

            @Setting(
                    value = "false",
                    doc = "Whether inference (segment, localize), the model list and /metrics need the token"
                            + " too. Health endpoints and the pages themselves never do.")
            boolean protectInference,

            @Setting(
                    value = "50",
                    range = "(0, )",
                    doc = "Requests per second one client (its address) may make, sustained; beyond its burst"
                            + " it gets 429 with Retry-After, so one client cannot starve the others. Health"
                            + " endpoints are not counted.")
            double clientRequestsPerSecond,

            @Setting(
                    value = "200",
                    range = "[1, )",
                    doc = "Requests one client may make at once before its rate applies (the live page asks for"
                            + " about 60 pictures at once).")
            int clientBurst,

            @Setting(
                    value = "16",
                    range = "[1, )",
                    doc = "Requests one client may have in progress at once; beyond it, 429. Uploads are read whole"
                            + " before their pixels are admitted, so this bounds the request bodies one client makes"
                            + " the server hold.")
            int clientMaxInFlight,

            @Setting(
                    value = "false",
                    doc =
                            "Take a client's address from the last X-Forwarded-For entry, the one the proxy added (behind a proxy or"
                                    + " ingress that sets it; otherwise every client would share the proxy's limit), and"
                                    + " mark the session cookie Secure when X-Forwarded-Proto says the client used HTTPS.")
            boolean trustForwardedFor,

            @Setting(
                    value = "16777216",
                    range = "[1, )",
                    doc = "Uploaded pixels decoded and inferred at once, over all requests (three 2048x2048"
                            + " images and room for small ones): admission by work, not by request count. An upload beyond it gets 503"
                            + " with Retry-After, and readiness reports the overload, so memory stays bounded."
                            + " Uploads over a sixteenth of it may fill only seven eighths, so that small ones"
                            + " still get in beside large ones. At least 8/7 of maxImageSide squared.")
            long maxPixelsInFlight,

            @Setting(
                    value = "",
                    doc = "A PKCS12 keystore with the server's certificate and key: the server speaks HTTPS"
                            + " only. Its password is in tlsKeystorePasswordFile or the environment variable"
                            + " SEEDSTREAM_SERVER_TLS_PASSWORD. Empty: plain HTTP (behind an ingress that ends"
                            + " TLS).")
            String tlsKeystore,

            @Setting(value = "", doc = "A file whose first line is the keystore's password (see tlsKeystore).")
            String tlsKeystorePasswordFile)
            implements Serializable {}

    @Setting.Group("Active learning. An unlabeled image's uncertainty is mutualInformationWeight x BALD over"
            + " ficklenet.passes class-score samples + mapEntropyWeight x the entropy of its localization maps +"
            + " segmenterEntropyWeight x the segmenter's mean pixel entropy. The selector asks for the best of each"
            + " window by priority = uncertainty + rarityWeight x the rarity of the classes the model guesses"
            + " (1 / sqrt(1 + labels seen of the class)).")
    public record Active(
            @Setting(value = "1.0", range = "[0, )", doc = "Weight of BALD, the mutual information over the passes.")
            double mutualInformationWeight,

            @Setting(value = "1.0", range = "[0, )", doc = "Weight of the localization maps' entropy.")
            double mapEntropyWeight,

            @Setting(value = "1.0", range = "[0, )", doc = "Weight of the segmenter's mean pixel entropy.")
            double segmenterEntropyWeight,

            @Setting(
                    value = "32",
                    range = "[1, )",
                    doc = "Once this many images are scored (or selectEveryMs passed with any, for their share"
                            + " of a batch), the selector asks for the best of them and passes over the rest.")
            int windowSize,

            @Setting(value = "8", range = "[1, )", doc = "Images asked per window (at most windowSize).")
            int batchSize,

            @Setting(value = "200", range = "[1, )", doc = "Label requests at most, in all.")
            int budget,

            @Setting(value = "0.5", range = "[0, )", doc = "Weight of the rarity of the guessed classes.")
            double rarityWeight,

            @Setting(
                    value = "0.97",
                    range = "(0, 1]",
                    doc = "Images whose thumbnail's cosine similarity to one already asked exceeds this are"
                            + " skipped.")
            double duplicateSimilarity,

            @Setting(value = "10000", range = "[1, )", doc = "Milliseconds after which a partial window is selected.")
            long selectEveryMs,

            @Setting(value = "2000", range = "[0, )", doc = "Milliseconds the oracle labeler takes to answer.")
            long oracleDelayMs)
            implements Serializable {}

    private static final Gson GSON = new GsonBuilder().setPrettyPrinting().create();

    /** Groups renamed since a release: their old name and the new one. */
    private static final Map<String, String> RENAMED_GROUPS = Map.of("training", "classifier");

    /** Keys replaced since a release, with what to set instead. */
    private static final Map<String, String> REPLACED_KEYS = Map.of(
            "trainer.imageWidth",
            "trainer.shortSide (images keep their aspect ratio; the models train on trainer.cropSize crops)",
            "trainer.imageHeight",
            "trainer.shortSide (images keep their aspect ratio; the models train on trainer.cropSize crops)",
            "stream.localizationPasses",
            "stream.stochasticMaps (true runs ficklenet.passes passes per view)",
            "active.stochasticPasses",
            "ficklenet.passes (the one number of stochastic passes)");

    /** The papers' settings, and a backbone sized for CPU training from scratch: every {@link Setting}'s default. */
    public static SeedStreamConfig defaults() {
        return SettingCatalog.defaults();
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
            SettingCatalog.Entry setting = SettingCatalog.find(e.getKey());
            if (setting == null) {
                throw unknownKey(e.getKey());
            }
            String[] path = e.getKey().split("\\.");
            JsonObject node = path.length == 1 ? tree : tree.getAsJsonObject(path[0]);
            node.add(path[path.length - 1], GSON.toJsonTree(setting.parse(e.getValue())));
        }
        return fromJsonTree(tree);
    }

    /** One override, see {@link #with(Map)}. */
    public SeedStreamConfig with(String key, Object value) {
        return with(Map.of(key, String.valueOf(value)));
    }

    /**
     * The stochastic passes the localization job takes per view: 0 for FickleNet's expectation
     * (dropout off), else {@code ficklenet.passes}.
     */
    public int localizationPasses() {
        return stream.stochasticMaps() ? ficklenet.passes() : 0;
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

    private static IllegalArgumentException unknownKey(String key) {
        String replacement = REPLACED_KEYS.get(key);
        if (replacement != null) {
            return new IllegalArgumentException("configuration key " + key + " is replaced by " + replacement);
        }
        String group = key.contains(".") ? key.substring(0, key.indexOf('.')) : key;
        String renamed = RENAMED_GROUPS.get(group);
        return new IllegalArgumentException(
                renamed == null
                        ? "unknown configuration key: " + key + " (./seedstream config lists every setting)"
                        : "configuration key " + key + " is now " + renamed + key.substring(group.length()));
    }

    private static SeedStreamConfig fromJsonTree(JsonObject tree) {
        SeedStreamConfig config = GSON.fromJson(tree, SeedStreamConfig.class);
        config.validate();
        return config;
    }

    /**
     * Rejects settings no run can use, with the reason: each value against its own declaration,
     * then the relations between settings.
     */
    public void validate() {
        SettingCatalog.check(this);
        require(
                synthetic.minObjects() <= synthetic.maxObjects() && synthetic.maxObjects() <= synthetic.numClasses(),
                "synthetic needs minObjects <= maxObjects <= numClasses");
        sameLength("backbone", backbone.channels(), backbone.strides(), backbone.dilations());
        require(ficklenet.windowSize() % 2 == 1, "ficklenet.windowSize must be odd (the window needs a center)");
        factorRange("classifier.rescaleRange", classifier.rescaleRange());
        factorRange("segmenter.rescaleRange", segmenter.rescaleRange());
        require(
                memory.minMomentum() <= memory.initialMomentum(),
                "memory.minMomentum must not exceed memory.initialMomentum");
        require(
                seeds.backgroundThreshold() <= seeds.foregroundThreshold(),
                "seeds.backgroundThreshold must not exceed seeds.foregroundThreshold");
        require(
                affinity.trainingCrop() > 2 * affinity.radius(),
                "affinity.trainingCrop must be wider than twice affinity.radius");
        sameLength("segmenter", segmenter.channels(), segmenter.strides(), segmenter.dilations());
        require(active.batchSize() <= active.windowSize(), "active.batchSize must not exceed active.windowSize");
        require(
                (long) server.maxImageSide() * server.maxImageSide() * 8 <= server.maxPixelsInFlight() * 7,
                "server.maxPixelsInFlight must be at least 8/7 of server.maxImageSide squared (the largest upload must"
                        + " fit in the seven eighths of the budget that large uploads may use)");
    }

    private static void factorRange(String key, List<Double> range) {
        require(range.size() == 2 && range.get(0) <= range.get(1), key + " must be two factors, min <= max");
    }

    private static void sameLength(
            String group, List<Integer> channels, List<Integer> strides, List<Integer> dilations) {
        require(
                strides.size() == channels.size() && dilations.size() == channels.size(),
                group + ".channels, strides and dilations must have the same length");
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException("invalid configuration: " + message);
        }
    }
}
