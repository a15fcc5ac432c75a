package io.seedstream.segmentation.memory;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import io.seedstream.segmentation.config.SeedStreamConfig;
import io.seedstream.segmentation.nn.Ops;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * MCIBI's dataset-level context applied to localization: which of the memory's classes each pixel's
 * feature looks like most (a softmax over the cosine affinities to the classes' memory vectors,
 * background included), mixed into each class's localization map. A map from one image sees only
 * what that image's classifier evidence covers; the memory knows the class's other parts from other
 * images. Affinities are compared across classes because features after ReLU are non-negative, so
 * a raw cosine is high for almost any pair of pixels.
 */
public final class MemoryContext {

    private MemoryContext() {}

    /** Cosine affinity (1, m, h, w) of every pixel of features (1, k, h, w) to each vector (m x k). */
    public static NDArray affinity(NDArray features, float[][] vectors) {
        Shape shape = features.getShape();
        long k = shape.get(1);
        long h = shape.get(2);
        long w = shape.get(3);
        NDArray pixels = features.reshape(k, h * w);
        NDArray unitPixels = pixels.div(pixels.norm(new int[] {0}, true).add(1e-8f));
        float[] flat = new float[vectors.length * (int) k];
        for (int c = 0; c < vectors.length; c++) {
            System.arraycopy(vectors[c], 0, flat, c * (int) k, (int) k);
        }
        NDArray memory = features.getManager().create(flat, new Shape(vectors.length, k));
        NDArray unitMemory = memory.div(memory.norm(new int[] {1}, true).add(1e-8f));
        return unitMemory.matMul(unitPixels).reshape(1, vectors.length, h, w);
    }

    /** Per pixel, a distribution over the vectors' classes (1, m, h, w): softmax of cosine / temperature. */
    public static NDArray classProbabilities(NDArray features, float[][] vectors, double temperature) {
        return Ops.div(affinity(features, vectors), temperature).softmax(1);
    }

    /**
     * As {@link #classProbabilities(NDArray, float[][], double)} for classes that keep several
     * prototypes (each entry of {@code memories} holds its class's prototypes one after the other):
     * a pixel's affinity to a class is its cosine to that class's most similar prototype.
     */
    public static NDArray prototypeProbabilities(NDArray features, float[][] memories, double temperature) {
        int k = (int) features.getShape().get(1);
        List<float[]> prototypes = new ArrayList<>();
        int[] counts = new int[memories.length];
        for (int c = 0; c < memories.length; c++) {
            counts[c] = Math.max(1, memories[c].length / k);
            for (int p = 0; p < counts[c]; p++) {
                prototypes.add(
                        memories[c].length == 0 ? new float[k] : Arrays.copyOfRange(memories[c], p * k, (p + 1) * k));
            }
        }
        NDArray all = affinity(features, prototypes.toArray(new float[0][]));
        NDList perClass = new NDList();
        int from = 0;
        for (int count : counts) {
            perClass.add(all.get(":, {}:{}", from, from + count).max(new int[] {1}, true));
            from += count;
        }
        return Ops.div(NDArrays.concat(perClass, 1), temperature).softmax(1);
    }

    /**
     * Refined maps (1, m, h, w): (1 - weight) * map / max(map) + weight * probability, per class; a
     * class without memory yet ({@code hasMemory[c]} false) keeps its normalized map.
     *
     * @param probabilities the memory's probability of each of the m classes per pixel (1, m, h, w)
     */
    public static NDArray refine(NDArray maps, NDArray probabilities, boolean[] hasMemory, double weight) {
        NDArray normalizedMaps = Ops.normalizeByMax(Ops.relu(maps));
        NDList rows = new NDList();
        for (int c = 0; c < hasMemory.length; c++) {
            NDArray map = normalizedMaps.get(":, {}", c);
            rows.add(hasMemory[c] ? Ops.mul(map, 1 - weight).add(Ops.mul(probabilities.get(":, {}", c), weight)) : map);
        }
        return NDArrays.stack(rows, 1);
    }

    /**
     * One image's maps (1, m, H, W) at image size mixed with the memory's context: per pixel, the
     * memory's probability of each of the image's classes against each other and the background
     * ({@link #prototypeProbabilities}, from the feature map (1, k, h, w), resized to the image),
     * weighted {@code settings.contextWeight()}; a class with no memory yet keeps its map.
     */
    public static NDArray refineWithMemory(
            NDArray features,
            NDArray maps,
            int[] classIds,
            int background,
            Map<Integer, ClassMemory.State> states,
            SeedStreamConfig.ClassMemory settings) {
        int offset = background >= 0 ? 1 : 0;
        float[][] memories = new float[classIds.length + offset][];
        boolean[] known = new boolean[classIds.length];
        if (offset == 1) {
            memories[0] = vectorOf(states.get(background));
        }
        for (int c = 0; c < classIds.length; c++) {
            memories[c + offset] = vectorOf(states.get(classIds[c]));
            known[c] = memories[c + offset].length > 0;
        }
        NDArray probabilities = prototypeProbabilities(features, memories, settings.temperature())
                .get(":, {}:", offset);
        Shape size = maps.getShape();
        return refine(
                maps, Ops.resize(probabilities, (int) size.get(2), (int) size.get(3)), known, settings.contextWeight());
    }

    private static float[] vectorOf(ClassMemory.State state) {
        return state == null ? new float[0] : state.vector();
    }

    /**
     * What the memory learns from one image: for the background (if any) and each of its classes,
     * the feature rows of the feature-map pixels its seeds give that class.
     *
     * @param features the feature map, channel-major (k x pixels)
     * @param seeds a class id or a negative value per feature-map pixel
     */
    public static Map<Integer, float[][]> classFeatures(
            float[] features, int k, int[] seeds, int[] classIds, int background) {
        Map<Integer, float[][]> result = new LinkedHashMap<>();
        IntStream ids = Arrays.stream(classIds);
        int[] all = background >= 0
                ? IntStream.concat(IntStream.of(background), ids).toArray()
                : ids.toArray();
        int pixels = seeds.length;
        for (int id : all) {
            List<float[]> rows = new ArrayList<>();
            for (int u = 0; u < pixels; u++) {
                if (seeds[u] == id) {
                    float[] row = new float[k];
                    for (int j = 0; j < k; j++) {
                        row[j] = features[j * pixels + u];
                    }
                    rows.add(row);
                }
            }
            result.put(id, rows.toArray(new float[0][]));
        }
        return result;
    }
}
