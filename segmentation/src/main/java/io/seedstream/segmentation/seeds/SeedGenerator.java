package io.seedstream.segmentation.seeds;

import ai.djl.ndarray.NDArray;
import io.seedstream.segmentation.config.SeedStreamConfig;
import io.seedstream.segmentation.localization.LocalizationMaps;
import io.seedstream.segmentation.memory.ClassMemory;
import io.seedstream.segmentation.memory.MemoryContext;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * From one image's localization maps to its seeds, with the class memory in the loop: {@link
 * #seeds} gives the static seeds (DSRG's cues on the maps) and the seeds of the maps refined by the
 * memory's context; {@link #classFeatures} gives, for each class and the background, the features
 * of the feature-map pixels the seed rule gives them (what the memory learns from this image).
 * Everything a seeding operator does per record, without the state handling.
 */
public final class SeedGenerator {

    /**
     * @param staticSeeds seeds of the maps as localized, per image pixel
     * @param refinedSeeds seeds of the maps refined by the class memory
     */
    public record Result(int[] staticSeeds, int[] refinedSeeds) {}

    private final SeedCues cues;
    private final double contextWeight;
    private final double temperature;
    private final int background;

    public SeedGenerator(SeedStreamConfig config, int background) {
        this.cues = new SeedCues(config.dsrg().foregroundFraction(), config.dsrg().backgroundThreshold());
        this.contextWeight = config.memory().contextWeight();
        this.temperature = config.memory().temperature();
        this.background = background;
    }

    /**
     * @param features the classifier's features (1, k, h, w)
     * @param maps non-negative localization maps (1, m, h, w) of the image's m classes (m may be 0)
     * @param memory the class memory's states by class id (absent or empty: nothing known yet)
     */
    public Result seeds(NDArray features, NDArray maps, int[] classIds, Map<Integer, ClassMemory.State> memory, int height,
            int width) {
        if (classIds.length == 0) { // labeled with no class: every pixel is known to be background
            int[] allBackground = new int[height * width];
            Arrays.fill(allBackground, background >= 0 ? background : SeedCues.UNSEEDED);
            return new Result(allBackground, allBackground.clone());
        }
        int[] staticSeeds = seedsAt(maps, classIds, height, width);
        int[] refinedSeeds = seedsAt(refined(features, maps, classIds, memory), classIds, height, width);
        return new Result(staticSeeds, refinedSeeds);
    }

    /**
     * The maps mixed with the memory's class probabilities, the softmax running over the image's
     * classes and the background (the alternatives a pixel of this image has).
     */
    private NDArray refined(NDArray features, NDArray maps, int[] classIds, Map<Integer, ClassMemory.State> memory) {
        int k = (int) features.getShape().get(1);
        int offset = background >= 0 ? 1 : 0;
        float[][] vectors = new float[classIds.length + offset][];
        boolean[] hasMemory = new boolean[classIds.length];
        if (offset == 1) {
            vectors[0] = vectorOf(memory.get(background), k);
        }
        for (int c = 0; c < classIds.length; c++) {
            ClassMemory.State state = memory.get(classIds[c]);
            hasMemory[c] = state != null && state.updates() > 0;
            vectors[c + offset] = vectorOf(state, k);
        }
        NDArray probabilities = MemoryContext.classProbabilities(features, vectors, temperature);
        NDArray classProbabilities = probabilities.get(":, {}:", offset);
        return MemoryContext.refine(maps, classProbabilities, hasMemory, contextWeight);
    }

    /** The memory's vector, or zeros (cosine 0 to everything) before the class has any. */
    private static float[] vectorOf(ClassMemory.State state, int k) {
        return state == null || state.updates() == 0 ? new float[k] : state.vector();
    }

    private int[] seedsAt(NDArray maps, int[] classIds, int height, int width) {
        return cues.seeds(LocalizationMaps.of(maps, classIds, height, width).mean(), classIds, background);
    }

    /**
     * Feature rows of the feature-map pixels the seed rule gives each class and the background (what
     * the class memory learns from this image); plain arrays, so a memory operator can run it.
     *
     * @param features the feature map, channel-major (k x pixels)
     * @param maps the non-negative maps of the image's classes, class-major (m x pixels)
     */
    public Map<Integer, float[][]> classFeatures(float[] features, int k, float[] maps, int[] classIds) {
        int pixels = features.length / k;
        float[] normalized = maps.clone();
        for (int c = 0; c < classIds.length; c++) {
            float max = 0;
            for (int u = 0; u < pixels; u++) {
                max = Math.max(max, normalized[c * pixels + u]);
            }
            for (int u = 0; u < pixels; u++) {
                normalized[c * pixels + u] /= max + 1e-5f; // as Ops.normalizeByMax
            }
        }
        int[] claimed = cues.seeds(normalized, classIds, background);
        Map<Integer, float[][]> result = new LinkedHashMap<>();
        int[] ids = background >= 0 ? prepend(background, classIds) : classIds;
        for (int id : ids) {
            List<float[]> rows = new ArrayList<>();
            for (int u = 0; u < pixels; u++) {
                if (claimed[u] == id) {
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

    private static int[] prepend(int first, int[] rest) {
        int[] all = new int[rest.length + 1];
        all[0] = first;
        System.arraycopy(rest, 0, all, 1, rest.length);
        return all;
    }
}
