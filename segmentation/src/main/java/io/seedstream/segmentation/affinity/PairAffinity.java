package io.seedstream.segmentation.affinity;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.seedstream.segmentation.nn.Ops;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * AffinityNet's affinity of two pixels, a = exp(-mean_k |f_i(k) - f_j(k)|) over the embedding's
 * channels (PSA, {@code network/resnet38_aff.py}), for every pair within the radius, and the loss
 * that teaches it from seed pairs: with L+ = -log(a + 1e-5) and L- = -log(1 + 1e-5 - a), each
 * averaged over its pairs, loss = L+(background pairs) / 4 + L+(foreground pairs) / 4 + L-(negative
 * pairs) / 2 (PSA's {@code train_aff.py}; IRN's {@code step/train_irn.py} weighs them the same).
 */
public final class PairAffinity {

    private static final float EPSILON = 1e-5f;

    private PairAffinity() {}

    /** Per offset, the affinities (B, rows, columns) of the pixels that have a partner there. */
    public static List<NDArray> affinities(NDArray embedding, PairOffsets offsets) {
        Shape shape = embedding.getShape();
        int height = (int) shape.get(2);
        int width = (int) shape.get(3);
        List<NDArray> result = new ArrayList<>(offsets.count());
        for (int o = 0; o < offsets.count(); o++) {
            int rows = offsets.rows(o, height);
            int columns = offsets.columns(o, width);
            int x = offsets.fromX(o);
            int dy = offsets.dy()[o];
            int dx = offsets.dx()[o];
            NDArray from = embedding.get(":, :, {}:{}, {}:{}", 0, rows, x, x + columns);
            NDArray to = embedding.get(":, :, {}:{}, {}:{}", dy, dy + rows, x + dx, x + dx + columns);
            result.add(from.sub(to).abs().mean(new int[] {1}).neg().exp());
        }
        return result;
    }

    /** The loss of a batch's embeddings (B, D, h, w) against each image's seed pairs. */
    public static NDArray loss(NDArray embedding, List<AffinityLabels> labels, PairOffsets offsets) {
        NDManager manager = embedding.getManager();
        List<NDArray> affinities = affinities(embedding, offsets);
        NDArray background = manager.zeros(new Shape());
        NDArray foreground = manager.zeros(new Shape());
        NDArray negative = manager.zeros(new Shape());
        double backgroundCount = 0;
        double foregroundCount = 0;
        double negativeCount = 0;
        for (int o = 0; o < offsets.count(); o++) {
            NDArray a = affinities.get(o);
            Shape pairs = a.getShape();
            final int offset = o;
            NDArray bg = stacked(
                    manager,
                    labels.stream().map(l -> l.backgroundPairs()[offset]).toList(),
                    pairs);
            NDArray fg = stacked(
                    manager,
                    labels.stream().map(l -> l.foregroundPairs()[offset]).toList(),
                    pairs);
            NDArray neg = stacked(
                    manager, labels.stream().map(l -> l.negativePairs()[offset]).toList(), pairs);
            NDArray positiveLoss = a.add(EPSILON).log().neg();
            NDArray negativeLoss = a.neg().add(1 + EPSILON).log().neg();
            background = background.add(positiveLoss.mul(bg).sum());
            foreground = foreground.add(positiveLoss.mul(fg).sum());
            negative = negative.add(negativeLoss.mul(neg).sum());
            backgroundCount += sum(labels, l -> l.backgroundPairs()[offset]);
            foregroundCount += sum(labels, l -> l.foregroundPairs()[offset]);
            negativeCount += sum(labels, l -> l.negativePairs()[offset]);
        }
        return Ops.div(background, 4 * (backgroundCount + EPSILON))
                .add(Ops.div(foreground, 4 * (foregroundCount + EPSILON)))
                .add(Ops.div(negative, 2 * (negativeCount + EPSILON)));
    }

    private static NDArray stacked(NDManager manager, List<float[]> perImage, Shape shape) {
        int size = (int) (shape.size() / shape.get(0));
        float[] all = new float[perImage.size() * size];
        for (int b = 0; b < perImage.size(); b++) {
            System.arraycopy(perImage.get(b), 0, all, b * size, size);
        }
        return manager.create(all, shape);
    }

    private static double sum(List<AffinityLabels> labels, Function<AffinityLabels, float[]> kind) {
        double total = 0;
        for (AffinityLabels l : labels) {
            for (float v : kind.apply(l)) {
                total += v;
            }
        }
        return total;
    }
}
