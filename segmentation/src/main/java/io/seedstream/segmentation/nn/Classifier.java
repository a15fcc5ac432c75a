package io.seedstream.segmentation.nn;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/**
 * A multi-label image classifier whose class evidence can be localized: backbone, a GAP or
 * FickleNet head, and ReCAM's second head. It owns its parameters (one manager for the lifetime of
 * the model); every method takes and returns arrays of the caller's scope.
 *
 * <p>Both heads are a linear map per class followed by global average pooling: {@link
 * #classMaps} is that map before pooling (CAM for the GAP head, the deterministic s x s
 * convolution for FickleNet), and without dropout the logits are its spatial mean plus a bias.
 */
public final class Classifier implements Network {

    private final ClassifierArchitecture architecture;
    private final Parameters params;
    private final Backbone backbone;
    private final NDArray headWeight;
    private final NDArray headBias;
    private final NDArray reCamWeight;

    public Classifier(ClassifierArchitecture architecture, NDManager parent, long seed) {
        this.architecture = architecture;
        this.params = new Parameters(parent.newSubManager(), seed);
        this.backbone = new Backbone(params, architecture.channels(), architecture.strides(), architecture.dilations());
        int k = architecture.featureChannels();
        int c = architecture.numClasses();
        int s = architecture.windowSize();
        this.headWeight = params.normal("head.weight", new Shape(c, k, s, s), Math.sqrt(1.0 / (k * s * s)));
        this.headBias = params.constant("head.bias", new Shape(c), 0f, true);
        this.reCamWeight = params.normal("recam.weight", new Shape(c, k, 1, 1), Math.sqrt(1.0 / k));
    }

    @Override
    public ClassifierArchitecture architecture() {
        return architecture;
    }

    @Override
    public Parameters parameters() {
        return params;
    }

    public Device device() {
        return params.manager().getDevice();
    }

    /** Images (B, 3, H, W) in [0, 1] to the feature map (B, k, h, w). */
    public NDArray features(NDArray images, boolean training) {
        return backbone.forward(images, training);
    }

    /**
     * GAIN's erased pass: deterministic logits (B, C) of the erased images through the backbone's
     * frozen pass ({@link Backbone#frozenForward}) and the head with its weights detached, so that
     * attention mining trains the convolutions that find the object, not the head that scores it.
     */
    public NDArray frozenLogits(NDArray images) {
        NDArray features = backbone.frozenForward(images);
        NDArray weight = headWeight.stopGradient();
        weight.attach(features.getManager()); // derived from a parameter: freed with the batch
        NDArray bias = headBias.stopGradient();
        bias.attach(features.getManager());
        return logits(features, weight, bias);
    }

    /** Per-class linear maps before pooling, without bias: (B, C, h, w). */
    public NDArray classMaps(NDArray features) {
        return classMaps(features, headWeight);
    }

    private NDArray classMaps(NDArray features, NDArray weight) {
        int s = architecture.windowSize();
        return Ops.conv(features, weight, null, 1, (s - 1) / 2, 1);
    }

    /** Deterministic class logits (B, C): dropout off, which is dropout's expectation. */
    public NDArray logits(NDArray features) {
        return logits(features, headWeight, headBias);
    }

    private NDArray logits(NDArray features, NDArray weight, NDArray bias) {
        return Ops.spatialMean(classMaps(features, weight)).add(bias);
    }

    /**
     * FickleNet's stochastic logits (n, C) for one dropout mask per row, in the expanded layout
     * (n, 1, s*h, s*w): the numbers of expanding the features per window, masking, convolving with
     * kernel s and stride s and pooling, computed without the expansion. Between the dropout and the
     * pooling the head is linear, so with x_p the zero-padded features, W the head's weights and D
     * the mask of window (i, j) at offset (a, b):
     *
     * <pre>
     * logit_c = 1/(hw) sum_{k,a,b} W[c,k,a,b] Z[k,a,b] + bias_c,   Z[k,a,b] = sum_{i,j} D[a,b,i,j] x_p[k,i+a,j+b]
     * </pre>
     *
     * Z is one batched matrix product of the masks, each placed at its offset in the padded grid,
     * with x_p: memory and work grow with k*s*s, not with the expansion's k*s*s*h*w, and the backward
     * pass is two matrix products. Features of batch 1 broadcast over n masks.
     */
    public NDArray stochasticLogits(NDArray features, NDArray masks) {
        requireFickleNet();
        int s = architecture.windowSize();
        int r = (s - 1) / 2;
        Shape shape = features.getShape();
        long k = shape.get(1);
        int h = (int) shape.get(2);
        int w = (int) shape.get(3);
        long n = masks.getShape().get(0);
        NDManager scope = features.getManager();
        NDArray byOffset = masks.reshape(n, h, s, w, s).transpose(0, 2, 4, 1, 3); // D: (n, a, b, i, j)
        NDList placed = new NDList();
        for (int a = 0; a < s; a++) {
            for (int b = 0; b < s; b++) { // window (i, j) at offset (a, b) reads padded pixel (i + a, j + b)
                placed.add(byOffset.get(":, {}, {}", a, b).pad(new Shape(b, 2 * r - b, a, 2 * r - a), 0));
            }
        }
        long paddedPixels = (long) (h + 2 * r) * (w + 2 * r);
        NDArray masksAtPixels = NDArrays.stack(placed, 1).reshape(n, (long) s * s, paddedPixels);
        NDArray padded = features.pad(new Shape(r, r, r, r), 0).reshape(shape.get(0), k, paddedPixels);
        NDArray z = masksAtPixels.matMul(padded.transpose(0, 2, 1)); // (n, a*s + b, k)
        NDArray byOffsetWeight = headWeight.transpose(0, 2, 3, 1);
        byOffsetWeight.attach(
                scope); // derived from the model's weight: freed with the batch, not kept as long as the model
        NDArray kernels = byOffsetWeight.reshape(architecture.numClasses(), (long) s * s * k);
        kernels.attach(scope);
        return Ops.div(z.reshape(n, (long) s * s * k).matMul(kernels.transpose()), (double) h * w)
                .add(headBias);
    }

    /**
     * Logits (B, C) of a masked expanded map (B, k, s*h, s*w): the kernel-s, stride-s convolution
     * followed by global average pooling. Both are linear, so the windows are averaged first and
     * the kernel applied once: the same numbers as convolving then pooling, without the (B, C, h,
     * w) intermediate and with a far cheaper backward pass than PyTorch's strided convolution.
     */
    public NDArray pooledWindowLogits(NDArray maskedExpansion) {
        int s = architecture.windowSize();
        Shape shape = maskedExpansion.getShape();
        long batch = shape.get(0);
        long k = shape.get(1);
        long h = shape.get(2) / s;
        long w = shape.get(3) / s;
        NDArray windowMean = Ops.div(
                maskedExpansion.reshape(batch, k, h, s, w, s).sum(new int[] {4}).sum(new int[] {2}),
                h * w); // (B, k, s, s)
        long c = architecture.numClasses();
        NDArray kernels = headWeight.reshape(c, k * s * s);
        kernels.attach(windowMean.getManager()); // a view: freed with the batch, not kept as long as the model
        return windowMean.reshape(batch, k * s * s).matMul(kernels.transpose()).add(headBias);
    }

    /** The FickleNet head's weight (C, k, s, s) and bias, for the per-window reference. */
    public NDArray headWeight() {
        return headWeight;
    }

    public NDArray headBias() {
        return headBias;
    }

    /**
     * ReCAM's second head: for every class k, the features masked by that class's normalized CAM
     * and pooled, f_k = mean(CAM_k * f), then classified: logits (B, C, C), row k for f_k.
     */
    public NDArray reCamLogits(NDArray features) {
        Shape shape = features.getShape();
        long batch = shape.get(0);
        long k = shape.get(1);
        long pixels = shape.get(2) * shape.get(3);
        long c = architecture.numClasses();
        NDArray cams = Ops.normalizeByMax(Ops.relu(classMaps(features))).reshape(batch, c, pixels);
        NDArray classFeatures =
                Ops.div(cams.batchMatMul(features.reshape(batch, k, pixels).transpose(0, 2, 1)), pixels);
        NDArray weight = reCamWeight.reshape(c, k);
        weight.attach(features.getManager()); // a view of the model's weight: freed with the batch, not kept with it
        return classFeatures.matMul(weight.transpose());
    }

    /**
     * ReCAM maps (B, C, h, w) as ReCAM's {@code net/resnet50_cam.py} ({@code CAM.forward2}) reads
     * them: the class maps with the classifier's kernel multiplied element-wise by the second head's
     * weight, channel by channel.
     */
    public NDArray reCamMaps(NDArray features) {
        int s = architecture.windowSize();
        NDArray kernel = headWeight.mul(reCamWeight);
        kernel.attach(features.getManager()); // computed from the model's weights: freed with the batch
        return Ops.conv(features, kernel, null, 1, (s - 1) / 2, 1);
    }

    /**
     * What the affinity head reads (IRN's edge branch likewise reads every backbone stage): the
     * image's colours and every backbone level, each resized to the affinity grid's height x width
     * (bilinear; shrinking filters), concatenated along the channels, in inference mode. Low levels
     * and colours carry the boundaries the deep features blur.
     */
    public NDArray affinityInput(NDArray images, int height, int width) {
        return affinityInput(images, new Window(height, width, 0, 0, height, width));
    }

    /**
     * Rows {@code top..top+height} and columns {@code left..left+width} of {@link #affinityInput(NDArray, int, int)}
     * on a grid of {@code gridHeight x gridWidth}, for training on windows: each level is resized
     * from its window's part (plus a cell of margin) where the grid is a whole multiple of the
     * level, which gives the same bilinear values as resizing it whole; otherwise whole.
     */
    public NDArray affinityInput(
            NDArray images, int gridHeight, int gridWidth, int top, int left, int height, int width) {
        return affinityInput(images, new Window(gridHeight, gridWidth, top, left, height, width));
    }

    private NDArray affinityInput(NDArray images, Window window) {
        NDList inputs = new NDList(Ops.mul(window.of(images).sub(0.5f), 4)); // scaled as the backbone scales its input
        backbone.levels(images).forEach(level -> inputs.add(window.of(level)));
        return NDArrays.concat(inputs, 1);
    }

    /** Rows top..top+height and columns left..left+width of a gridHeight x gridWidth grid. */
    private record Window(int gridHeight, int gridWidth, int top, int left, int height, int width) {

        boolean isWholeGrid() {
            return top == 0 && left == 0 && height == gridHeight && width == gridWidth;
        }

        /** This window of x (B, C, h, w) resized to the grid (bilinear). */
        NDArray of(NDArray x) {
            int h = (int) x.getShape().get(2);
            int w = (int) x.getShape().get(3);
            if (isWholeGrid()) {
                return h == gridHeight && w == gridWidth ? x : Ops.resize(x, gridHeight, gridWidth);
            }
            if (gridHeight % h != 0 || gridWidth % w != 0) {
                return Ops.resize(x, gridHeight, gridWidth)
                        .get(":, :, {}:{}, {}:{}", top, top + height, left, left + width);
            }
            int fy = gridHeight / h;
            int fx = gridWidth / w;
            // With a whole factor f, grid row y reads level rows around (y + 0.5) / f - 0.5: the window's rows,
            // and one more on each side, are all it reads; clamping at the crop's edges happens only at the level's
            // own.
            int r0 = Math.max(0, top / fy - 1);
            int r1 = Math.min(h, (top + height + fy - 1) / fy + 1);
            int c0 = Math.max(0, left / fx - 1);
            int c1 = Math.min(w, (left + width + fx - 1) / fx + 1);
            NDArray crop = x.get(":, :, {}:{}, {}:{}", r0, r1, c0, c1);
            NDArray resized = fy == 1 && fx == 1 ? crop : Ops.resize(crop, (r1 - r0) * fy, (c1 - c0) * fx);
            int y = top - r0 * fy;
            int xFrom = left - c0 * fx;
            return resized.get(":, :, {}:{}, {}:{}", y, y + height, xFrom, xFrom + width);
        }
    }

    /** Refuses a classifier without FickleNet's head, whose stochastic passes would all be the same. */
    public void requireFickleNet() {
        if (architecture.head() != ClassifierArchitecture.Head.FICKLENET) {
            throw new IllegalStateException(
                    "stochastic inference needs a FickleNet head, this classifier has " + architecture.head());
        }
    }

    @Override
    public void close() {
        params.close();
    }
}
