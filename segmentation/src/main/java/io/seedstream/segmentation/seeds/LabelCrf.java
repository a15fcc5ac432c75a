package io.seedstream.segmentation.seeds;

import java.util.Arrays;
import java.util.Objects;

/**
 * IRN's {@code crf_inference_label}: a fully connected CRF on a label map (Krähenbühl & Koltun,
 * "Efficient Inference in Fully Connected CRFs with Gaussian Edge Potentials", NIPS 2011), computed as
 * the densecrf library that pydensecrf wraps computes it.
 *
 * <p>A pixel labeled l gets unary energy -log(p) for l and -log((1 - p) / (n - 1)) for every other
 * label (pydensecrf's {@code unary_from_labels} with {@code zero_unsure=False}). Two Potts terms couple
 * all pairs of pixels: a Gaussian kernel on (x, y) / sxy and a bilateral kernel on (x/sxy, y/sxy,
 * r/srgb, g/srgb, b/srgb). Mean field starts from Q = softmax(-U) and repeats
 * Q_i(l) ∝ exp(-U_i(l) + Σ_m w_m (K_m Q)_i(l)); each pixel takes its most probable label.
 *
 * <p>As in densecrf (its default NORMALIZE_SYMMETRIC), each kernel is applied symmetrically normalized,
 * K_m Q = D^-½ G_m D^-½ Q with G_m the Gaussian filter and D = G_m 1: a message is close to a weighted
 * mean of the pixels' Q, so the weights w_m mean the same on any image size, and any constant factor in
 * G_m cancels. G_m is computed with a {@link PermutohedralLattice}, which, like densecrf's, includes
 * each pixel's own Q; the paper's sum leaves j = i out, which changes a message by about 1 / D_i (a few
 * percent for kernels covering tens of pixels). The lattice is densecrf's approximation, reproduced
 * rather than corrected: its kernel sums vary by 10-15% with position, so on near-ties (such as two
 * equal label halves on one colour) it can decide differently from the exact sums, as densecrf does.
 */
public final class LabelCrf {

    /**
     * @param iterations mean-field iterations (IRN's t)
     * @param labelConfidence the probability the unary gives a pixel's own label (IRN's gt_prob), in (0, 1)
     * @param gaussianSxy the Gaussian kernel's standard deviation, in pixels
     * @param gaussianCompat the Gaussian kernel's Potts weight
     * @param bilateralSxy the bilateral kernel's spatial standard deviation, in pixels
     * @param bilateralSrgb the bilateral kernel's colour standard deviation, in 0..255 units per channel
     * @param bilateralCompat the bilateral kernel's Potts weight
     */
    public record Settings(
            int iterations,
            double labelConfidence,
            double gaussianSxy,
            double gaussianCompat,
            double bilateralSxy,
            double bilateralSrgb,
            double bilateralCompat) {

        public Settings {
            if (iterations < 0) {
                throw new IllegalArgumentException("iterations must be >= 0, got " + iterations);
            }
            if (!(labelConfidence > 0 && labelConfidence < 1)) {
                throw new IllegalArgumentException("labelConfidence must be in (0, 1), got " + labelConfidence);
            }
            requirePositive("gaussianSxy", gaussianSxy);
            requirePositive("bilateralSxy", bilateralSxy);
            requirePositive("bilateralSrgb", bilateralSrgb);
            requireNonNegative("gaussianCompat", gaussianCompat);
            requireNonNegative("bilateralCompat", bilateralCompat);
        }

        private static void requirePositive(String name, double value) {
            if (!(value > 0 && value < Double.POSITIVE_INFINITY)) {
                throw new IllegalArgumentException(name + " must be positive and finite, got " + value);
            }
        }

        private static void requireNonNegative(String name, double value) {
            if (!(value >= 0 && value < Double.POSITIVE_INFINITY)) {
                throw new IllegalArgumentException(name + " must be non-negative and finite, got " + value);
            }
        }
    }

    /** DSRG's floor on probabilities (its softmax layer's min_prob). */
    private static final double MIN_PROBABILITY = 1e-4;

    private final Settings settings;

    public LabelCrf(Settings settings) {
        this.settings = Objects.requireNonNull(settings, "settings");
    }

    /** The CRF on one image; its kernels are built on first use and serve every labelling of that image. */
    public ImageCrf on(byte[] rgb, int width, int height) {
        return new ImageCrf(rgb, width, height);
    }

    /** {@code on(rgb, width, height).refine(labels, numLabels)}: for an image refined once. */
    public int[] refine(byte[] rgb, int width, int height, int[] labels, int numLabels) {
        return on(rgb, width, height).refine(labels, numLabels);
    }

    /**
     * The CRF's kernels depend on the image alone (its pixels' positions and colours), and building
     * their lattices costs about a third of a refinement at 96 px: labellings of one image (the two
     * seed labellings, the growing at every epoch) share them. Not thread-safe: one thread per image.
     */
    public final class ImageCrf {

        private final byte[] rgb;
        private final int width;
        private final int height;
        private PottsKernel[] kernels;

        private ImageCrf(byte[] rgb, int width, int height) {
            validateImage(rgb, width, height);
            this.rgb = rgb;
            this.width = width;
            this.height = height;
        }

        public int width() {
            return width;
        }

        public int height() {
            return height;
        }

        /**
         * @param labels a label in 0..numLabels-1 per pixel, row-major
         * @return the refined labels, 0..numLabels-1 per pixel
         */
        public int[] refine(int[] labels, int numLabels) {
            validateLabels(labels, width, height, numLabels);
            int pixels = width * height;
            if (numLabels == 1) {
                // nothing to choose (and pydensecrf's energy for the other labels, -log(0.3 / 0), has no labels to go
                // to)
                return new int[pixels];
            }
            float ownLogit = (float) Math.log(settings.labelConfidence());
            float otherLogit = (float) Math.log((1 - settings.labelConfidence()) / (numLabels - 1));
            float[] unaryLogits = new float[pixels * numLabels]; // -U, pixel-major
            Arrays.fill(unaryLogits, otherLogit);
            for (int i = 0; i < pixels; i++) {
                unaryLogits[i * numLabels + labels[i]] = ownLogit;
            }
            return argmax(meanField(unaryLogits, numLabels), numLabels);
        }

        /**
         * The same CRF on soft input: a class's unary energy is -log of its probability (pydensecrf's
         * {@code unary_from_softmax}, as PSA's {@code crf_inference} refines maps; probabilities are
         * floored at 1e-4 first, as DSRG's softmax layer floors them). DSRG grows regions on
         * probabilities refined this way.
         *
         * @param probabilities per label and pixel, label-major (numLabels x pixels), each pixel's summing to 1
         * @return the refined probabilities, same layout
         */
        public float[] refineProbabilities(float[] probabilities, int numLabels) {
            float[] logs = new float[probabilities.length];
            for (int i = 0; i < logs.length; i++) {
                logs[i] = (float) Math.log(Math.max(MIN_PROBABILITY, probabilities[i]));
            }
            return refineLogits(logs, numLabels);
        }

        /**
         * Mean field from unary energies given as their negatives, -U per label and pixel, label-major
         * (numLabels x pixels).
         *
         * @return Q, the refined distribution over the labels, same layout
         */
        public float[] refineLogits(float[] unaryLogits, int numLabels) {
            if (numLabels < 1) {
                throw new IllegalArgumentException("numLabels must be >= 1, got " + numLabels);
            }
            int pixels = width * height;
            if (unaryLogits.length != (long) pixels * numLabels) {
                throw new IllegalArgumentException(unaryLogits.length + " unary values given; " + numLabels
                        + " labels of a " + width + "x" + height + " image have " + (long) pixels * numLabels);
            }
            float[] q = meanField(
                    transposed(unaryLogits, numLabels, pixels), numLabels); // the mean field works pixel-major
            return transposed(q, pixels, numLabels);
        }

        /** Mean field from Q = softmax(-U) (pixel-major): the iterations' final Q. */
        private float[] meanField(float[] unaryLogits, int numLabels) {
            float[] q = new float[unaryLogits.length];
            softmax(unaryLogits, q, numLabels);
            if (kernels == null) {
                kernels = new PottsKernel[] {
                    new PottsKernel(
                            positionFeatures(width, height, settings.gaussianSxy()), 2, settings.gaussianCompat()),
                    new PottsKernel(
                            positionColourFeatures(
                                    rgb, width, height, settings.bilateralSxy(), settings.bilateralSrgb()),
                            5,
                            settings.bilateralCompat())
                };
            }
            float[] logits = new float[q.length];
            for (int iteration = 0; iteration < settings.iterations(); iteration++) {
                System.arraycopy(unaryLogits, 0, logits, 0, logits.length);
                for (PottsKernel kernel : kernels) {
                    kernel.addMessages(q, logits, numLabels);
                }
                softmax(logits, q, numLabels);
            }
            return q;
        }
    }

    /** A rows x columns matrix, row-major, as columns x rows. */
    private static float[] transposed(float[] values, int rows, int columns) {
        float[] out = new float[values.length];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < columns; c++) {
                out[c * rows + r] = values[r * columns + c];
            }
        }
        return out;
    }

    private static void validateImage(byte[] rgb, int width, int height) {
        Objects.requireNonNull(rgb, "rgb");
        if (width < 1 || height < 1) {
            throw new IllegalArgumentException("the image must be at least 1x1, got " + width + "x" + height);
        }
        long pixels = (long) width * height;
        if (rgb.length != pixels * 3) {
            throw new IllegalArgumentException(
                    "rgb has " + rgb.length + " bytes, a " + width + "x" + height + " RGB image has " + pixels * 3);
        }
    }

    private static void validateLabels(int[] labels, int width, int height, int numLabels) {
        Objects.requireNonNull(labels, "labels");
        long pixels = (long) width * height;
        if (labels.length != pixels) {
            throw new IllegalArgumentException("labels has " + labels.length + " values, a " + width + "x" + height
                    + " image has " + pixels + " pixels");
        }
        if (numLabels < 1) {
            throw new IllegalArgumentException("numLabels must be >= 1, got " + numLabels);
        }
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0 || labels[i] >= numLabels) {
                throw new IllegalArgumentException("label " + labels[i] + " at (" + i % width + ", " + i / width
                        + ") is outside 0.." + (numLabels - 1));
            }
        }
    }

    /** (x, y) / sxy per pixel: the Gaussian kernel's features. */
    private static float[] positionFeatures(int width, int height, double sxy) {
        float[] features = new float[width * height * 2];
        for (int i = 0; i < width * height; i++) {
            features[2 * i] = (float) (i % width / sxy);
            features[2 * i + 1] = (float) (i / width / sxy);
        }
        return features;
    }

    /** (x/sxy, y/sxy, r/srgb, g/srgb, b/srgb) per pixel, r, g, b in 0..255: the bilateral kernel's features. */
    private static float[] positionColourFeatures(byte[] rgb, int width, int height, double sxy, double srgb) {
        float[] features = new float[width * height * 5];
        for (int i = 0; i < width * height; i++) {
            features[5 * i] = (float) (i % width / sxy);
            features[5 * i + 1] = (float) (i / width / sxy);
            for (int channel = 0; channel < 3; channel++) {
                features[5 * i + 2 + channel] = (float) ((rgb[3 * i + channel] & 0xFF) / srgb);
            }
        }
        return features;
    }

    /** Per pixel, out = softmax(logits) over its labels (shifted by the maximum so exp cannot overflow). */
    private static void softmax(float[] logits, float[] out, int labels) {
        for (int base = 0; base < logits.length; base += labels) {
            float max = Float.NEGATIVE_INFINITY;
            for (int l = 0; l < labels; l++) {
                max = Math.max(max, logits[base + l]);
            }
            float sum = 0;
            for (int l = 0; l < labels; l++) {
                out[base + l] = (float) Math.exp(logits[base + l] - max);
                sum += out[base + l];
            }
            for (int l = 0; l < labels; l++) {
                out[base + l] /= sum;
            }
        }
    }

    /** Per pixel, its most probable label; the lowest on ties, as numpy's argmax. */
    private static int[] argmax(float[] q, int labels) {
        int[] best = new int[q.length / labels];
        for (int i = 0; i < best.length; i++) {
            for (int l = 1; l < labels; l++) {
                if (q[i * labels + l] > q[i * labels + best[i]]) {
                    best[i] = l;
                }
            }
        }
        return best;
    }

    /** One Potts term: its lattice, the symmetric normalization D^-½ and its weight. */
    private static final class PottsKernel {

        private final PermutohedralLattice lattice;
        private final float[] normalization;
        private final float weight;

        PottsKernel(float[] features, int dimensions, double weight) {
            this.lattice = new PermutohedralLattice(features, dimensions);
            this.weight = (float) weight;
            float[] ones = new float[lattice.points()];
            Arrays.fill(ones, 1f);
            float[] kernelSums = lattice.filter(ones, 1);
            normalization = new float[kernelSums.length];
            for (int i = 0; i < kernelSums.length; i++) {
                normalization[i] = (float) (1 / Math.sqrt(kernelSums[i] + 1e-20)); // densecrf's epsilon
            }
        }

        /** logits += w D^-½ G D^-½ q, per pixel and label. */
        void addMessages(float[] q, float[] logits, int labels) {
            float[] scaled = new float[q.length];
            for (int i = 0; i < normalization.length; i++) {
                for (int l = 0; l < labels; l++) {
                    scaled[i * labels + l] = normalization[i] * q[i * labels + l];
                }
            }
            float[] filtered = lattice.filter(scaled, labels);
            for (int i = 0; i < normalization.length; i++) {
                float scale = weight * normalization[i];
                for (int l = 0; l < labels; l++) {
                    logits[i * labels + l] += scale * filtered[i * labels + l];
                }
            }
        }
    }

    /**
     * Gaussian filtering in a d-dimensional feature space with the permutohedral lattice (Adams, Baek &
     * Davis, "Fast High-Dimensional Filtering Using the Permutohedral Lattice", Eurographics 2010), the
     * algorithm of densecrf's permutohedral.cpp: the features are scaled and lifted onto the hyperplane
     * Σx = 0 of R^(d+1), each point is splatted onto the d + 1 vertices of the lattice simplex enclosing
     * it with its barycentric weights, the vertex values are blurred with [1/2, 1, 1/2] along each of the
     * d + 1 lattice directions in turn, and each point reads its vertices back (slices) with the same
     * weights. The result approximates Σ_j exp(-|f_i - f_j|² / 2) v_j, j = i included, up to a constant
     * factor (densecrf's alpha, left out here because symmetric normalization cancels it). Building costs
     * O(N d²), each filtering O((N + vertices) d c) for c channels.
     */
    static final class PermutohedralLattice {

        private final int dimensions;
        private final int points;
        private final int vertices;
        /** Per point, its d + 1 simplex vertices, numbered from 1: vertex 0 is absent and its value always 0. */
        private final int[] pointVertices;

        private final float[] pointWeights;
        /** Per lattice direction and vertex, its two neighbours along that direction (0 where there is none). */
        private final int[] neighbours;

        /** @param features point-major, dimensions values per point */
        PermutohedralLattice(float[] features, int dimensions) {
            if (dimensions < 1 || features.length % dimensions != 0) {
                throw new IllegalArgumentException(
                        features.length + " feature values are not points of " + dimensions + " dimensions");
            }
            int d = dimensions;
            this.dimensions = d;
            this.points = features.length / d;
            pointVertices = new int[points * (d + 1)];
            pointWeights = new float[points * (d + 1)];
            // the diagonal of Adams et al.'s E, scaled so the blur has standard deviation 1 in feature units (their p.
            // 5-6)
            double[] scale = new double[d];
            double inverseStdDev = Math.sqrt(2.0 / 3.0) * (d + 1);
            for (int k = 0; k < d; k++) {
                scale[k] = inverseStdDev / Math.sqrt((k + 1.0) * (k + 2.0));
            }
            double[] elevated = new double[d + 1];
            int[] nearest = new int[d + 1];
            int[] rank = new int[d + 1];
            double[] barycentric = new double[d + 2];
            int[] key = new int[d];
            VertexTable table = new VertexTable(d);
            for (int p = 0; p < points; p++) {
                double sum = 0;
                for (int k = d; k > 0; k--) {
                    double scaled = features[p * d + k - 1] * scale[k - 1];
                    elevated[k] = sum - k * scaled;
                    sum += scaled;
                }
                elevated[0] = sum;
                // the nearest point with all coordinates multiples of d + 1 (a remainder-0 point if they sum to 0) ...
                int offPlane = 0;
                for (int k = 0; k <= d; k++) {
                    nearest[k] = (int) Math.round(elevated[k] / (d + 1)) * (d + 1);
                    offPlane += nearest[k] / (d + 1);
                }
                // ... and the simplex around the point: rank[k] = how many residuals exceed coordinate k's
                Arrays.fill(rank, 0);
                for (int i = 0; i < d; i++) {
                    double residual = elevated[i] - nearest[i];
                    for (int j = i + 1; j <= d; j++) {
                        if (residual < elevated[j] - nearest[j]) {
                            rank[i]++;
                        } else {
                            rank[j]++;
                        }
                    }
                }
                // bring a rounded point that left the plane back, moving the coordinates at the ends of the ranking
                for (int k = 0; k <= d; k++) {
                    rank[k] += offPlane;
                    if (rank[k] < 0) {
                        rank[k] += d + 1;
                        nearest[k] += d + 1;
                    } else if (rank[k] > d) {
                        rank[k] -= d + 1;
                        nearest[k] -= d + 1;
                    }
                }
                // barycentric coordinates (Adams et al. p. 10)
                Arrays.fill(barycentric, 0);
                for (int k = 0; k <= d; k++) {
                    double residual = (elevated[k] - nearest[k]) / (d + 1);
                    barycentric[d - rank[k]] += residual;
                    barycentric[d - rank[k] + 1] -= residual;
                }
                barycentric[0] += 1 + barycentric[d + 1];
                // vertex r: the remainder-0 point plus the canonical simplex's vertex r, permuted by the ranking;
                // a vertex is keyed by its first d coordinates (the last is minus their sum)
                for (int r = 0; r <= d; r++) {
                    for (int k = 0; k < d; k++) {
                        key[k] = nearest[k] + (rank[k] <= d - r ? r : r - (d + 1));
                    }
                    pointVertices[p * (d + 1) + r] = table.add(key);
                    pointWeights[p * (d + 1) + r] = (float) barycentric[r];
                }
            }
            vertices = table.size();
            // direction j steps by (d + 1) e_j - (1, ..., 1) one way and its negative the other
            neighbours = new int[(d + 1) * (vertices + 1) * 2];
            int[] before = new int[d];
            int[] after = new int[d];
            for (int direction = 0; direction <= d; direction++) {
                for (int v = 1; v <= vertices; v++) {
                    for (int k = 0; k < d; k++) {
                        before[k] = table.coordinate(v, k) + (k == direction ? d : -1);
                        after[k] = table.coordinate(v, k) - (k == direction ? d : -1);
                    }
                    int at = (direction * (vertices + 1) + v) * 2;
                    neighbours[at] = table.find(before);
                    neighbours[at + 1] = table.find(after);
                }
            }
        }

        int points() {
            return points;
        }

        /** @param in point-major, channels values per point; @return ≈ Σ_j k(f_i, f_j) in_j per point and channel, up to a constant factor */
        float[] filter(float[] in, int channels) {
            if (in.length != points * channels) {
                throw new IllegalArgumentException(
                        in.length + " values are not " + channels + " channels of " + points + " points");
            }
            int simplex = dimensions + 1;
            float[] values = new float[(vertices + 1) * channels];
            for (int p = 0; p < points; p++) {
                for (int r = 0; r < simplex; r++) {
                    int vertex = pointVertices[p * simplex + r] * channels;
                    float weight = pointWeights[p * simplex + r];
                    for (int c = 0; c < channels; c++) {
                        values[vertex + c] += weight * in[p * channels + c];
                    }
                }
            }
            float[] blurred = new float[values.length];
            for (int direction = 0; direction < simplex; direction++) {
                for (int v = 1; v <= vertices; v++) {
                    int at = (direction * (vertices + 1) + v) * 2;
                    int before = neighbours[at] * channels;
                    int after = neighbours[at + 1] * channels;
                    for (int c = 0; c < channels; c++) {
                        blurred[v * channels + c] =
                                values[v * channels + c] + 0.5f * (values[before + c] + values[after + c]);
                    }
                }
                float[] swap = values;
                values = blurred;
                blurred = swap;
            }
            float[] out = new float[points * channels];
            for (int p = 0; p < points; p++) {
                for (int r = 0; r < simplex; r++) {
                    int vertex = pointVertices[p * simplex + r] * channels;
                    float weight = pointWeights[p * simplex + r];
                    for (int c = 0; c < channels; c++) {
                        out[p * channels + c] += weight * values[vertex + c];
                    }
                }
            }
            return out;
        }
    }

    /** The lattice's vertices by their first d coordinates, numbered from 1 in order of insertion (open addressing). */
    private static final class VertexTable {

        private final int dimensions;
        private int[] coordinates;
        private int[] slots = new int[1 << 10]; // vertex number, 0 = empty
        private int size;

        VertexTable(int dimensions) {
            this.dimensions = dimensions;
            this.coordinates = new int[(slots.length / 2 + 1) * dimensions];
        }

        int size() {
            return size;
        }

        int coordinate(int vertex, int k) {
            return coordinates[vertex * dimensions + k];
        }

        /** The vertex's number, or 0 if the lattice does not have it. */
        int find(int[] key) {
            return slots[slotOf(key)];
        }

        /** The vertex's number, adding it if new. */
        int add(int[] key) {
            int slot = slotOf(key);
            if (slots[slot] != 0) {
                return slots[slot];
            }
            if (2 * (size + 1) > slots.length) {
                grow();
                slot = slotOf(key);
            }
            size++;
            System.arraycopy(key, 0, coordinates, size * dimensions, dimensions);
            slots[slot] = size;
            return size;
        }

        /** The slot holding the key, or the empty slot where it would go (the table is at most half full). */
        private int slotOf(int[] key) {
            int mask = slots.length - 1;
            int slot = hash(key, 0, dimensions) & mask;
            while (slots[slot] != 0 && !holds(slots[slot], key)) {
                slot = (slot + 1) & mask;
            }
            return slot;
        }

        private boolean holds(int vertex, int[] key) {
            for (int k = 0; k < dimensions; k++) {
                if (coordinates[vertex * dimensions + k] != key[k]) {
                    return false;
                }
            }
            return true;
        }

        private static int hash(int[] values, int from, int length) {
            int h = 0;
            for (int k = from; k < from + length; k++) {
                h = (h + values[k]) * 0x9E3779B1;
            }
            return h ^ (h >>> 16);
        }

        private void grow() {
            slots = new int[slots.length * 2];
            coordinates = Arrays.copyOf(coordinates, (slots.length / 2 + 1) * dimensions);
            int mask = slots.length - 1;
            for (int v = 1; v <= size; v++) {
                int slot = hash(coordinates, v * dimensions, dimensions) & mask;
                while (slots[slot] != 0) {
                    slot = (slot + 1) & mask;
                }
                slots[slot] = v;
            }
        }
    }
}
