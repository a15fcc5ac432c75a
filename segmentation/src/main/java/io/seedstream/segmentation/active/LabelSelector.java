package io.seedstream.segmentation.active;

import io.seedstream.segmentation.config.SeedStreamConfig;
import io.seedstream.segmentation.data.ClassList;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * Which pooled images to ask people to label next: uncertainty mixed with diversity. Greedily, the
 * image of highest priority = uncertainty + rarityWeight x rarity, where rarity is the largest
 * 1 / sqrt(1 + n) over the classes the model guesses in it and n counts the labeled images of that
 * class (the class memory's update count), including the ones this batch already picked. So a batch
 * spreads over classes rather than asking eight times about the same confusing one. Images too
 * similar to one already asked (or picked) are set aside as duplicates and never asked.
 */
public final class LabelSelector {

    /** A chosen image and why: in words for the labeling page, and the numbers behind them. */
    public record Choice(Candidate candidate, double priority, String reason, String details) {}

    /** The choices in order, and the pooled images found to be near-duplicates of asked ones. */
    public record Selection(List<Choice> choices, List<Candidate> duplicates) {}

    private final SeedStreamConfig.Active config;
    private final ClassList classes;

    public LabelSelector(SeedStreamConfig.Active config, ClassList classes) {
        this.config = config;
        this.classes = classes;
    }

    /**
     * @param labelsSeen labeled images per class id so far
     * @param asked thumbnails of every image already asked
     * @param count at most this many choices (the caller caps it by the remaining budget)
     */
    public Selection select(Collection<Candidate> pool, Map<Integer, Long> labelsSeen, List<float[]> asked, int count) {
        Map<Integer, Long> seen = new HashMap<>(labelsSeen);
        List<float[]> taken = new ArrayList<>(asked);
        List<Candidate> open = new ArrayList<>(pool);
        open.sort(Comparator.comparing(Candidate::imageId)); // ties break the same way after a restart
        List<Choice> choices = new ArrayList<>();
        List<Candidate> duplicates = new ArrayList<>();
        while (choices.size() < count && !open.isEmpty()) {
            Candidate best = null;
            double bestPriority = Double.NEGATIVE_INFINITY;
            for (Candidate candidate : open) {
                double priority = candidate.uncertainty() + config.rarityWeight() * rarity(candidate, seen);
                if (priority > bestPriority) {
                    best = candidate;
                    bestPriority = priority;
                }
            }
            open.remove(best);
            if (isDuplicate(best, taken)) {
                duplicates.add(best);
                continue;
            }
            choices.add(new Choice(best, bestPriority, reason(best, seen), details(best, bestPriority, seen)));
            taken.add(best.thumbnail());
            for (int id : best.guessedClasses()) {
                seen.merge(id, 1L, Long::sum);
            }
        }
        return new Selection(choices, duplicates);
    }

    /** The baseline: {@code count} images drawn uniformly, with no look at scores or classes. */
    public static <T> List<T> random(List<T> pool, int count, Random random) {
        List<T> shuffled = new ArrayList<>(pool);
        Collections.shuffle(shuffled, random);
        return shuffled.subList(0, Math.min(count, shuffled.size()));
    }

    private static double rarity(Candidate candidate, Map<Integer, Long> seen) {
        double rarest = 0;
        for (int id : candidate.guessedClasses()) {
            rarest = Math.max(rarest, 1 / Math.sqrt(1 + seen.getOrDefault(id, 0L)));
        }
        return rarest;
    }

    private boolean isDuplicate(Candidate candidate, List<float[]> taken) {
        for (float[] other : taken) {
            if (Thumbnail.similarity(candidate.thumbnail(), other) > config.duplicateSimilarity()) {
                return true;
            }
        }
        return false;
    }

    /**
     * The largest part of the priority, in words: the stochastic passes disagree (mutual
     * information), the maps are spread out (map entropy), the segmenter is unsure (its pixel
     * entropy), or the guessed class is rare; then the rarest guessed class, unless that was it.
     */
    private String reason(Candidate candidate, Map<Integer, Long> seen) {
        int rarest = rarestGuess(candidate, seen);
        String rareClass = rarest < 0 ? null : classes.names().get(rarest);
        long rareCount = rarest < 0 ? 0 : seen.getOrDefault(rarest, 0L);
        double[] parts = Arrays.copyOf(
                Uncertainty.weightedParts(
                        config, candidate.mutualInformation(), candidate.mapEntropy(), candidate.segmenterEntropy()),
                4);
        parts[3] = config.rarityWeight() * rarity(candidate, seen);
        int largest = 0;
        for (int i = 1; i < parts.length; i++) {
            largest = parts[i] > parts[largest] ? i : largest;
        }
        String rare = String.format(Locale.ROOT, "few labels of %s so far (%d)", rareClass, rareCount);
        String main =
                switch (largest) {
                    case 0 -> "the models disagree about this image";
                    case 1 -> "the models cannot tell where the objects in this image are";
                    case 2 -> "the segmenter is unsure about much of this image";
                    default -> rareClass == null ? "the models disagree about this image" : rare;
                };
        return largest == 3 || rareClass == null ? main : main + "; it looks like " + rareClass + ": " + rare;
    }

    /** The numbers behind the reason. */
    private String details(Candidate candidate, double priority, Map<Integer, Long> seen) {
        String segmenter = Double.isNaN(candidate.segmenterEntropy())
                ? "none: no segmenter yet when it was scored"
                : String.format(Locale.ROOT, "%.3f", candidate.segmenterEntropy());
        StringBuilder text = new StringBuilder(String.format(
                Locale.ROOT,
                "priority %.3f = uncertainty %.3f (mutual information %.3f, map entropy %.3f, segmenter entropy %s) + rarity %.3f x %.2f",
                priority,
                candidate.uncertainty(),
                candidate.mutualInformation(),
                candidate.mapEntropy(),
                segmenter,
                rarity(candidate, seen),
                config.rarityWeight()));
        int rarest = rarestGuess(candidate, seen);
        if (rarest >= 0) {
            text.append(String.format(
                    Locale.ROOT,
                    "; guessed %s, %d labels so far",
                    classes.names().get(rarest),
                    seen.getOrDefault(rarest, 0L)));
        }
        return text.toString();
    }

    private static int rarestGuess(Candidate candidate, Map<Integer, Long> seen) {
        int rarest = -1;
        for (int id : candidate.guessedClasses()) {
            if (rarest < 0 || seen.getOrDefault(id, 0L) < seen.getOrDefault(rarest, 0L)) {
                rarest = id;
            }
        }
        return rarest;
    }
}
