package io.seedstream.segmentation.train;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * A model's replay buffer: a reservoir sample of every sample it has trained on (each equally
 * likely to be in it, however long the stream), and how many steps each buffered sample was in, so
 * that replay draws the least-trained first and covers the buffer evenly, as offline epochs do.
 * Samples are told apart by identity: two samples may be equal.
 */
final class ReplayBuffer<T> {

    private final int capacity;
    private final List<T> samples = new ArrayList<>();
    private final Map<T, Integer> timesTrained = new IdentityHashMap<>();
    private long seen;

    ReplayBuffer(int capacity) {
        this.capacity = capacity;
    }

    /**
     * Reservoir sampling: the {@code n}-th sample offered replaces a random one with probability
     * capacity / n. The draw, uniform in [0, 1), belongs to the sample, not to the buffer: two
     * buffers of one capacity offered the same samples with the same draws keep the same samples.
     */
    void remember(T sample, double draw) {
        seen++;
        if (samples.size() < capacity) {
            samples.add(sample);
            timesTrained.put(sample, 0);
        } else {
            long slot = (long) (draw * seen);
            if (slot < samples.size()) {
                timesTrained.remove(samples.set((int) slot, sample));
                timesTrained.put(sample, 0);
            }
        }
    }

    /** Up to {@code count} buffered samples, those trained on least first, ties in random order. */
    List<T> leastTrained(int count, Random random) {
        List<T> candidates = new ArrayList<>(samples);
        Collections.shuffle(candidates, random);
        candidates.sort(Comparator.comparingInt(timesTrained::get)); // stable: the shuffle breaks ties
        return candidates.subList(0, Math.min(count, candidates.size()));
    }

    /** One more step for each sample of {@code batch} that is in the buffer. */
    void countTrained(List<T> batch) {
        batch.forEach(sample -> timesTrained.computeIfPresent(sample, (s, times) -> times + 1));
    }

    boolean isEmpty() {
        return samples.isEmpty();
    }

    /** The buffered samples, in their slots' order. */
    List<T> samples() {
        return Collections.unmodifiableList(samples);
    }

    /** Steps the sample was in while buffered; 0 for a sample not in the buffer. */
    int timesTrained(T sample) {
        return timesTrained.getOrDefault(sample, 0);
    }

    /** Samples offered so far, the reservoir's {@code n}. */
    long seen() {
        return seen;
    }

    /** Back to a saved buffer: its samples, each one's count of steps, and how many were seen. */
    void restore(List<T> buffered, List<Integer> counts, long seenBefore) {
        samples.clear();
        timesTrained.clear();
        for (int i = 0; i < buffered.size(); i++) {
            samples.add(buffered.get(i));
            timesTrained.put(buffered.get(i), counts.get(i));
        }
        seen = seenBefore;
    }
}
