package io.seedstream.segmentation.seeds;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class LabelCrfTest {

    /** IRN's settings with our srgb: 10 iterations, gt_prob 0.7, Gaussian sxy 3 compat 3, bilateral sxy 50 srgb 13 compat 10. */
    private static final LabelCrf.Settings IRN = new LabelCrf.Settings(10, 0.7, 3, 3, 50, 13, 10);

    private final LabelCrf crf = new LabelCrf(IRN);

    /** Red for x < edge, blue from edge on. */
    private static byte[] redBlue(int width, int height, int edge) {
        byte[] rgb = new byte[width * height * 3];
        for (int i = 0; i < width * height; i++) {
            rgb[3 * i + (i % width < edge ? 0 : 2)] = (byte) 255;
        }
        return rgb;
    }

    /** Label 0 for x < edge, 1 from edge on. */
    private static int[] leftRight(int width, int height, int edge) {
        int[] labels = new int[width * height];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = i % width < edge ? 0 : 1;
        }
        return labels;
    }

    @Test
    void noiseInsideAColourRegionTakesTheRegionsLabel() {
        // 16 x 8, red x < 8, blue x >= 8; labels follow the colours except a 2x2 block of 1 at x 2-3, y 3-4.
        // Unary: own label -log 0.7 = 0.36, other -log 0.3 = 1.20, a margin of 0.85 for the noisy label.
        // Bilateral: red and blue are 255·√2/13 = 28 standard deviations apart (weight e^-385 = 0) while sxy 50
        // spans the image (spatial weights 0.95..1), so a red pixel's normalized message is about the mean Q of
        // the 64 red pixels: Q(0) = (60·0.7 + 4·0.3)/64 = 0.675, Q(1) = 0.325, worth 10·(0.675 - 0.325) = 3.5
        // for label 0. The Gaussian term (sxy 3) adds more for 0, as most of the block's neighbours are 0.
        // So the block's logit for 0 beats 1 by at least 3.5 - 0.85 > 0 in the first iteration (and more after);
        // every other pixel already has its region's label and both terms back it (blue: 10·0.4 = 4).
        int width = 16;
        int height = 8;
        int[] labels = leftRight(width, height, 8);
        for (int y = 3; y <= 4; y++) {
            for (int x = 2; x <= 3; x++) {
                labels[y * width + x] = 1;
            }
        }
        assertThat(crf.refine(redBlue(width, height, 8), width, height, labels, 2))
                .containsExactly(leftRight(width, height, 8));
    }

    @Test
    void aLabelBoundaryOffTheColourEdgeSnapsToTheEdge() {
        // 16 x 8, colour edge at x = 8, label edge at x = 10: the blue columns 8 and 9 are labeled 0.
        // Bilateral on a blue pixel: the mean Q over the 64 blue pixels is Q(1) = (48·0.7 + 16·0.3)/64 = 0.6,
        // Q(0) = 0.4, worth 10·0.2 = 2.0 for label 1. Against it: the unary's 0.85 for 0, and at x = 8 the
        // Gaussian term: weights e^(-dx²/18) along the row put 5.19 on dx = -8..1 (labeled 0) and 2.27 on
        // dx = 2..7 (labeled 1), i.e. 70% : 30%, worth 3·0.4·(0.70 - 0.30) = 0.47 for 0 (less at x = 9).
        // Net 2.0 - 0.85 - 0.47 = +0.7 for 1, so both columns switch to 1 in the first iteration. Red pixels
        // keep 0: their bilateral mean is Q(0) = 0.7, worth 10·0.4 = 4 for 0.
        int width = 16;
        int height = 8;
        assertThat(crf.refine(redBlue(width, height, 8), width, height, leftRight(width, height, 10), 2))
                .containsExactly(leftRight(width, height, 8));
    }

    @Test
    void oneLabelGivesAllZeros() {
        assertThat(crf.refine(redBlue(5, 4, 2), 5, 4, new int[20], 1))
                .containsOnly(0)
                .hasSize(20);
    }

    @Test
    void cleanLabelsOnAConstantImageAreUnchanged() {
        // 12 x 8 of one grey, every pixel labeled 1 of 3. The unary favours 1 by -log(0.3/2) + log 0.7 = 1.54,
        // and every message does too: Q(1) = 0.7 everywhere against 0.15 for the others.
        // (Two clean halves would not do: on one colour the bilateral kernel, 50 pixels wide, weighs all
        // pixels about equally, a majority vote whose balanced split is unstable, with gain
        // 10 · 0.7 · 0.3 = 2.1 > 1. The exact version keeps a split only by mirror symmetry; the lattice's
        // position-dependent error tips it, densecrf's exactly as ours: 16 x 8 halves of 0 and 1 end all 0.)
        int width = 12;
        int height = 8;
        byte[] grey = new byte[width * height * 3];
        Arrays.fill(grey, (byte) 128);
        int[] labels = new int[width * height];
        Arrays.fill(labels, 1);
        assertThat(crf.refine(grey, width, height, labels, 3)).containsExactly(labels);
    }

    @Test
    void theLatticeAgreesWithTheExactMeanField() {
        // 12 x 10, red x < 6, blue x >= 6, three noisy labels. Both versions must return the colour regions
        // (the same hand argument as above). The lattice's kernel sums equal the exact ones up to one constant
        // (which symmetric normalization cancels) and a position-dependent error; measured: at most 10.4%
        // (Gaussian, sxy 3) and 15.3% (bilateral) off, a property of the permutohedral approximation itself
        // (densecrf's lattice gives the same sums to 1e-5).
        int width = 12;
        int height = 10;
        byte[] rgb = redBlue(width, height, 6);
        int[] labels = leftRight(width, height, 6);
        labels[3 * width + 2] = 1;
        labels[3 * width + 3] = 1;
        labels[7 * width + 9] = 0;
        int[] regions = leftRight(width, height, 6);

        assertThat(crf.refine(rgb, width, height, labels, 2)).containsExactly(regions);
        assertThat(exactMeanField(rgb, width, height, labels, 2, IRN)).containsExactly(regions);

        double gaussianError = kernelSumError(positionFeatures(width, height, IRN.gaussianSxy()), 2);
        double bilateralError =
                kernelSumError(positionColourFeatures(rgb, width, height, IRN.bilateralSxy(), IRN.bilateralSrgb()), 5);
        System.out.printf(
                "lattice vs exact kernel sums (up to one factor): max relative error Gaussian %.3f, bilateral %.3f%n",
                gaussianError, bilateralError);
        assertThat(gaussianError).isLessThan(0.15);
        assertThat(bilateralError).isLessThan(0.25);
    }

    @Test
    void matchesDensecrfOnANoisyFiveRegionImage() {
        // Golden labels from densecrf itself (pydensecrf 2723c7f's C++ sources, DenseCRF2D with IRN's calls,
        // unary_from_labels' energies, inference(10), argmax), run on this generated image: 22 of its 192
        // labels change. Perturbing gt_prob or either compat by 0.1-0.3% changes none of ours, so this does
        // not hinge on float rounding.
        Scene scene = scene(16, 12, 5, 3);
        int[] densecrf = {
            2, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4,
            2, 2, 2, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0, 4, 4,
            2, 2, 2, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4, 4,
            2, 2, 2, 2, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4, 4,
            2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3, 3, 4, 4,
            2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3, 3, 4,
            2, 2, 2, 2, 2, 2, 1, 3, 3, 3, 3, 3, 3, 3, 3, 3,
            2, 2, 2, 2, 2, 2, 1, 1, 3, 3, 3, 3, 3, 3, 3, 3,
            2, 2, 2, 2, 2, 1, 1, 1, 1, 1, 3, 3, 3, 3, 3, 3,
            2, 2, 2, 2, 2, 1, 1, 1, 1, 1, 1, 3, 3, 3, 3, 3,
            2, 2, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1, 3, 3, 3,
            2, 2, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 3, 3
        };
        assertThat(crf.refine(scene.rgb(), 16, 12, scene.labels(), 5)).containsExactly(densecrf);
    }

    @Test
    void oneImagesKernelsServeEveryLabellingOfItAsFreshOnesWould() {
        // the kernels built for the first labelling are reused: each answer must be the one-shot answer
        int width = 16;
        int height = 8;
        byte[] rgb = redBlue(width, height, 8);
        LabelCrf.ImageCrf shared = crf.on(rgb, width, height);
        float[] soft = new float[2 * width * height];
        for (int u = 0; u < width * height; u++) {
            soft[u] = u % width < 10 ? 0.8f : 0.2f; // label 0's probability, its edge 2 px off the colour edge
            soft[width * height + u] = 1 - soft[u];
        }
        for (int[] labels :
                List.of(leftRight(width, height, 10), leftRight(width, height, 6), leftRight(width, height, 10))) {
            assertThat(shared.refine(labels, 2)).containsExactly(crf.refine(rgb, width, height, labels, 2));
        }
        assertThat(shared.refineProbabilities(soft, 2))
                .containsExactly(crf.on(rgb, width, height).refineProbabilities(soft, 2));
        assertThat(shared.refine(leftRight(width, height, 10), 2)).containsExactly(leftRight(width, height, 8));
    }

    @Test
    void rejectsInputThatDoesNotFit() {
        int[] labels = new int[6];
        assertThatThrownBy(() -> crf.refine(new byte[17], 3, 2, labels, 2))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("rgb has 17 bytes, a 3x2 RGB image has 18");
        assertThatThrownBy(() -> crf.refine(new byte[18], 3, 2, new int[5], 2))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("labels has 5 values, a 3x2 image has 6 pixels");
        assertThatThrownBy(() -> crf.refine(new byte[18], 3, 2, new int[] {0, 1, 0, 0, 2, 0}, 2))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("label 2 at (1, 1) is outside 0..1");
        assertThatThrownBy(() -> crf.refine(new byte[18], 3, 2, new int[] {0, 0, -1, 0, 0, 0}, 2))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("label -1 at (2, 0) is outside 0..1");
        assertThatThrownBy(() -> crf.refine(new byte[18], 3, 2, labels, 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("numLabels must be >= 1, got 0");
        assertThatThrownBy(() -> crf.refine(new byte[0], 0, 2, new int[0], 2))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("the image must be at least 1x1, got 0x2");
        assertThatThrownBy(() -> new LabelCrf.Settings(10, 1.0, 3, 3, 50, 13, 10))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("labelConfidence must be in (0, 1), got 1.0");
        assertThatThrownBy(() -> new LabelCrf.Settings(10, 0.7, 3, 3, 50, 0, 10))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("bilateralSrgb must be positive and finite, got 0.0");
    }

    @Test
    void printsTimings() {
        // not asserted (shared machines): the mean-field cost per iteration is (time at 10 iterations - time at 0) / 10
        for (int[] size : new int[][] {{96, 96}, {480, 360}}) {
            Scene scene = scene(size[0], size[1], 5, 1);
            long[] best = new long[2];
            int[] iterations = {0, 10};
            for (int k = 0; k < 2; k++) {
                LabelCrf timed = new LabelCrf(new LabelCrf.Settings(iterations[k], 0.7, 3, 3, 50, 13, 10));
                best[k] = Long.MAX_VALUE;
                for (int run = 0; run < 3; run++) {
                    long start = System.nanoTime();
                    timed.refine(scene.rgb(), size[0], size[1], scene.labels(), 5);
                    best[k] = Math.min(best[k], System.nanoTime() - start);
                }
            }
            System.out.printf(
                    "LabelCrf %dx%d, 5 labels: %.1f ms for 10 iterations (lattices and unary %.1f ms, %.2f ms per iteration)%n",
                    size[0], size[1], best[1] / 1e6, best[0] / 1e6, (best[1] - best[0]) / 1e7);
        }
    }

    private record Scene(byte[] rgb, int[] labels) {}

    /**
     * Regions around random centres (nearest centre), each of a random colour with Gaussian noise of 12 levels,
     * labeled with their region except 15% of pixels labeled at random.
     */
    private static Scene scene(int width, int height, int regions, long seed) {
        Random random = new Random(seed);
        double[] centreX = new double[regions];
        double[] centreY = new double[regions];
        int[] colours = new int[regions * 3];
        for (int k = 0; k < regions; k++) {
            centreX[k] = random.nextDouble() * width;
            centreY[k] = random.nextDouble() * height;
            for (int c = 0; c < 3; c++) {
                colours[3 * k + c] = random.nextInt(256);
            }
        }
        byte[] rgb = new byte[width * height * 3];
        int[] labels = new int[width * height];
        for (int i = 0; i < labels.length; i++) {
            int x = i % width;
            int y = i / width;
            int region = 0;
            for (int k = 1; k < regions; k++) {
                if (Math.hypot(x - centreX[k], y - centreY[k]) < Math.hypot(x - centreX[region], y - centreY[region])) {
                    region = k;
                }
            }
            for (int c = 0; c < 3; c++) {
                rgb[3 * i + c] = (byte) Math.max(0, Math.min(255, (int)
                        Math.round(colours[3 * region + c] + 12 * random.nextGaussian())));
            }
            labels[i] = random.nextDouble() < 0.15 ? random.nextInt(regions) : region;
        }
        return new Scene(rgb, labels);
    }

    /**
     * The paper's mean field computed exactly, O(N²) per iteration: Q_i(l) ∝ exp(-U_i(l) + Σ_m w_m m_i(l)) with
     * m = D^-½ G D^-½ Q, G_ij = exp(-|f_i - f_j|²/2) for j ≠ i (0 for j = i) and D = G 1: densecrf's symmetric
     * normalization with exact kernels and without the self term.
     */
    private static int[] exactMeanField(
            byte[] rgb, int width, int height, int[] labels, int numLabels, LabelCrf.Settings settings) {
        int pixels = width * height;
        double[] unaryLogits = new double[pixels * numLabels];
        for (int i = 0; i < pixels; i++) {
            for (int l = 0; l < numLabels; l++) {
                unaryLogits[i * numLabels + l] = l == labels[i]
                        ? Math.log(settings.labelConfidence())
                        : Math.log((1 - settings.labelConfidence()) / (numLabels - 1));
            }
        }
        double[][] features = {
            positionFeatures(width, height, settings.gaussianSxy()),
            positionColourFeatures(rgb, width, height, settings.bilateralSxy(), settings.bilateralSrgb())
        };
        int[] dimensions = {2, 5};
        double[] weights = {settings.gaussianCompat(), settings.bilateralCompat()};
        double[][] normalization = new double[2][];
        double[] ones = new double[pixels];
        Arrays.fill(ones, 1);
        for (int m = 0; m < 2; m++) {
            normalization[m] = Arrays.stream(exactFilter(features[m], dimensions[m], ones, 1))
                    .map(sum -> 1 / Math.sqrt(sum))
                    .toArray();
        }
        double[] q = softmax(unaryLogits, numLabels);
        for (int iteration = 0; iteration < settings.iterations(); iteration++) {
            double[] logits = unaryLogits.clone();
            for (int m = 0; m < 2; m++) {
                double[] scaled = new double[q.length];
                for (int k = 0; k < q.length; k++) {
                    scaled[k] = normalization[m][k / numLabels] * q[k];
                }
                double[] filtered = exactFilter(features[m], dimensions[m], scaled, numLabels);
                for (int k = 0; k < q.length; k++) {
                    logits[k] += weights[m] * normalization[m][k / numLabels] * filtered[k];
                }
            }
            q = softmax(logits, numLabels);
        }
        int[] best = new int[pixels];
        for (int i = 0; i < pixels; i++) {
            for (int l = 1; l < numLabels; l++) {
                if (q[i * numLabels + l] > q[i * numLabels + best[i]]) {
                    best[i] = l;
                }
            }
        }
        return best;
    }

    /** Σ_{j ≠ i} exp(-|f_i - f_j|²/2) values_j, per point and channel. */
    private static double[] exactFilter(double[] features, int dimensions, double[] values, int channels) {
        int points = features.length / dimensions;
        double[] out = new double[points * channels];
        for (int i = 0; i < points; i++) {
            for (int j = 0; j < points; j++) {
                if (j == i) {
                    continue;
                }
                double squared = 0;
                for (int k = 0; k < dimensions; k++) {
                    double difference = features[i * dimensions + k] - features[j * dimensions + k];
                    squared += difference * difference;
                }
                double weight = Math.exp(-squared / 2);
                for (int c = 0; c < channels; c++) {
                    out[i * channels + c] += weight * values[j * channels + c];
                }
            }
        }
        return out;
    }

    /**
     * How far the lattice's kernel sums are from the exact Σ_j exp(-|f_i - f_j|²/2) (j = i included, as the
     * lattice includes it) once one global factor is divided out: max_i |r_i / mean(r) - 1|, r = lattice / exact.
     */
    private static double kernelSumError(double[] features, int dimensions) {
        float[] latticeFeatures = new float[features.length];
        for (int k = 0; k < features.length; k++) {
            latticeFeatures[k] = (float) features[k];
        }
        LabelCrf.PermutohedralLattice lattice = new LabelCrf.PermutohedralLattice(latticeFeatures, dimensions);
        float[] onesF = new float[lattice.points()];
        Arrays.fill(onesF, 1f);
        float[] latticeSums = lattice.filter(onesF, 1);
        double[] ones = new double[lattice.points()];
        Arrays.fill(ones, 1);
        double[] exactSums = exactFilter(features, dimensions, ones, 1);
        double[] ratios = new double[exactSums.length];
        for (int i = 0; i < ratios.length; i++) {
            ratios[i] = latticeSums[i] / (exactSums[i] + 1);
        }
        double mean = Arrays.stream(ratios).average().orElseThrow();
        return Arrays.stream(ratios).map(r -> Math.abs(r / mean - 1)).max().orElseThrow();
    }

    private static double[] positionFeatures(int width, int height, double sxy) {
        double[] features = new double[width * height * 2];
        for (int i = 0; i < width * height; i++) {
            features[2 * i] = i % width / sxy;
            features[2 * i + 1] = i / width / sxy;
        }
        return features;
    }

    private static double[] positionColourFeatures(byte[] rgb, int width, int height, double sxy, double srgb) {
        double[] features = new double[width * height * 5];
        for (int i = 0; i < width * height; i++) {
            features[5 * i] = i % width / sxy;
            features[5 * i + 1] = i / width / sxy;
            for (int c = 0; c < 3; c++) {
                features[5 * i + 2 + c] = (rgb[3 * i + c] & 0xFF) / srgb;
            }
        }
        return features;
    }

    private static double[] softmax(double[] logits, int labels) {
        double[] q = new double[logits.length];
        for (int base = 0; base < logits.length; base += labels) {
            double max = Double.NEGATIVE_INFINITY;
            for (int l = 0; l < labels; l++) {
                max = Math.max(max, logits[base + l]);
            }
            double sum = 0;
            for (int l = 0; l < labels; l++) {
                q[base + l] = Math.exp(logits[base + l] - max);
                sum += q[base + l];
            }
            for (int l = 0; l < labels; l++) {
                q[base + l] /= sum;
            }
        }
        return q;
    }
}
