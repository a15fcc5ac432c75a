package io.seedstream.segmentation.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import io.seedstream.segmentation.config.SeedStreamConfig;
import io.seedstream.segmentation.nn.Ops;
import io.seedstream.segmentation.seeds.LabelCrf;
import java.util.Arrays;
import java.util.stream.IntStream;

/**
 * DSRG's boundary (constrain) loss with DSRG's safeguards ({@code pylayers.py}): the segmenter's
 * softmax P is floored at 1e-4 and renormalised (SoftmaxLayer); Q is the dense CRF of P with the
 * image at the output resolution (CRFLayer), floored and renormalised the same way; the loss is the
 * mean over pixels of sum_c Q log(clip(Q / P, 0.05, 20)) (ConstrainLossLayer). Q is a fixed target
 * here: gradients flow only through P. The floor keeps log P finite however saturated the softmax,
 * and the clip bounds how hard one pixel can pull: outside [0.05, 20] its gradient is 0.
 */
public final class BoundaryLoss {

    /** DSRG's {@code min_prob}. */
    static final float MIN_PROBABILITY = 1e-4f;
    /** ConstrainLossLayer's clip of Q / P. */
    static final float MIN_RATIO = 0.05f;

    static final float MAX_RATIO = 20f;

    private final SeedStreamConfig.Boundary config;

    public BoundaryLoss(SeedStreamConfig.Boundary config) {
        this.config = config;
    }

    /**
     * The loss for logits (B, K, h, w) and the images at the same resolution (B, 3, h, w), RGB in [0, 1].
     */
    public NDArray loss(NDArray logits, NDArray images) {
        NDArray p = flooredSoftmax(logits);
        return clippedKl(target(p.stopGradient(), images), p);
    }

    /** DSRG's SoftmaxLayer: (softmax + 1e-4) / sum, over the classes (axis 1). */
    public static NDArray flooredSoftmax(NDArray logits) {
        NDArray floored = logits.softmax(1).add(MIN_PROBABILITY);
        return floored.div(floored.sum(new int[] {1}, true));
    }

    /** Mean over pixels of sum_c Q log(clip(Q / P, 0.05, 20)), for distributions (B, K, h, w). */
    public static NDArray clippedKl(NDArray q, NDArray p) {
        Shape shape = p.getShape();
        long pixels = shape.get(0) * shape.get(2) * shape.get(3);
        return Ops.div(q.mul(q.div(p).clip(MIN_RATIO, MAX_RATIO).log()).sum(), pixels);
    }

    /**
     * Q (B, K, h, w): each image's P refined by the dense CRF, floored at 1e-4 and renormalised; the
     * unary energy is -log P or DSRG's -P ({@code boundary.unary}); the image is rounded to 8 bits at
     * this resolution.
     */
    public NDArray target(NDArray probabilities, NDArray images) {
        Shape shape = probabilities.getShape();
        int batch = (int) shape.get(0);
        int classes = (int) shape.get(1);
        int height = (int) shape.get(2);
        int width = (int) shape.get(3);
        int pixels = height * width;
        float[] p = probabilities.toFloatArray();
        float[] colours = images.toFloatArray();
        LabelCrf crf = new LabelCrf(crfSettings(width, height));
        float[] q = new float[p.length];
        IntStream.range(0, batch).parallel().forEach(b -> {
            byte[] rgb = new byte[3 * pixels];
            for (int c = 0; c < 3; c++) {
                for (int u = 0; u < pixels; u++) {
                    float value = colours[(b * 3 + c) * pixels + u];
                    rgb[3 * u + c] = (byte) Math.round(Math.min(1f, Math.max(0f, value)) * 255);
                }
            }
            float[] probabilitiesOfImage = Arrays.copyOfRange(p, b * classes * pixels, (b + 1) * classes * pixels);
            LabelCrf.ImageCrf imageCrf = crf.on(rgb, width, height);
            float[] refined = config.logProbabilityUnary()
                    ? imageCrf.refineProbabilities(probabilitiesOfImage, classes)
                    : imageCrf.refineLogits(probabilitiesOfImage, classes);
            for (int u = 0; u < pixels; u++) {
                float sum = 0;
                for (int c = 0; c < classes; c++) {
                    sum += Math.max(MIN_PROBABILITY, refined[c * pixels + u]);
                }
                for (int c = 0; c < classes; c++) {
                    q[(b * classes + c) * pixels + u] = Math.max(MIN_PROBABILITY, refined[c * pixels + u]) / sum;
                }
            }
        });
        return probabilities.getManager().create(q, shape);
    }

    /** DSRG's kernels with sxy scaled from its 41-pixel output to this one's long side. */
    LabelCrf.Settings crfSettings(int width, int height) {
        double scale = (double) Math.max(width, height) / config.referenceSide();
        // labelConfidence only shapes hard-label unaries; this CRF's unary is soft
        return new LabelCrf.Settings(
                config.iterations(),
                0.5,
                config.gaussianSxy() * scale,
                config.gaussianCompat(),
                config.bilateralSxy() * scale,
                config.bilateralSrgb(),
                config.bilateralCompat());
    }

    /** The loss's weight at a segmenter step (counted from 0): 0 during the warm-up, then a linear ramp to the weight. */
    public double weightAt(long step) {
        if (step < config.warmupSteps()) {
            return 0;
        }
        if (config.rampSteps() == 0) {
            return config.weight();
        }
        return config.weight() * Math.min(1.0, (double) (step - config.warmupSteps() + 1) / config.rampSteps());
    }
}
