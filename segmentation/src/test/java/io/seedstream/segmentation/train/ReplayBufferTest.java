package io.seedstream.segmentation.train;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ReplayBufferTest {

    /** Below capacity every sample is kept; replay draws the least-trained first, and only buffered samples count. */
    @Test
    void replayDrawsTheLeastTrainedFirst() {
        ReplayBuffer<String> buffer = new ReplayBuffer<>(3);
        Random random = new Random(1);
        for (String sample : List.of("a", "b", "c")) {
            buffer.remember(sample, random.nextDouble());
        }
        buffer.countTrained(List.of("a", "b", "x")); // a 1, b 1, c 0; x is not buffered
        buffer.countTrained(List.of("a")); // a 2
        assertThat(buffer.samples()).containsExactly("a", "b", "c");
        assertThat(buffer.samples()).extracting(buffer::timesTrained).containsExactly(2, 1, 0);
        assertThat(buffer.leastTrained(2, random)).containsExactly("c", "b");
        assertThat(buffer.leastTrained(5, random)).containsExactly("c", "b", "a");
        assertThat(buffer.seen()).isEqualTo(3);
    }

    /**
     * Reservoir sampling keeps each of a stream's samples with probability capacity / length: with
     * room for 2 of 4, each is in the buffer in half of 20,000 runs (standard deviation about 71).
     */
    @Test
    void everySampleOfTheStreamIsEquallyLikelyToStay() {
        int[] kept = new int[4];
        Random random = new Random(7);
        for (int run = 0; run < 20_000; run++) {
            ReplayBuffer<Integer> buffer = new ReplayBuffer<>(2);
            for (int sample = 0; sample < 4; sample++) {
                buffer.remember(sample, random.nextDouble());
            }
            buffer.samples().forEach(sample -> kept[sample]++);
            assertThat(buffer.samples()).hasSize(2);
        }
        for (int count : kept) {
            assertThat(count).isBetween(10_000 - 350, 10_000 + 350);
        }
    }

    /** A replaced sample takes its counts with it; the newcomer starts at 0, and a restore brings counts back. */
    @Test
    void aReplacedSampleStartsAfreshAndARestoreKeepsTheCounts() {
        ReplayBuffer<String> buffer = new ReplayBuffer<>(1);
        buffer.remember("old", 0.9);
        buffer.countTrained(List.of("old", "old"));
        buffer.remember("new", 0.4); // slot 0.4 * 2 seen = 0: replace
        assertThat(buffer.samples()).containsExactly("new");
        assertThat(buffer.timesTrained("new")).isZero();
        buffer.countTrained(List.of("old"));
        assertThat(buffer.timesTrained("old"))
                .as("gone with its counts, and no longer counted")
                .isZero();

        ReplayBuffer<String> restored = new ReplayBuffer<>(1);
        restored.restore(List.of("kept"), List.of(4), 9);
        assertThat(restored.timesTrained("kept")).isEqualTo(4);
        assertThat(restored.seen()).isEqualTo(9);
    }

    /** A draw that lands beyond the buffer's slots keeps the buffer as it is: slot 0.6 * 2 seen = 1, of 1 slot. */
    @Test
    void aDrawBeyondTheSlotsIsNotKept() {
        ReplayBuffer<String> buffer = new ReplayBuffer<>(1);
        buffer.remember("old", 0.0);
        buffer.remember("new", 0.6);
        assertThat(buffer.samples()).containsExactly("old");
        assertThat(buffer.seen()).isEqualTo(2);
    }
}
