package io.seedstream.segmentation.affinity;

import java.util.ArrayList;
import java.util.List;

/**
 * The pixel pairs an affinity is learned and propagated on: every pixel with each of its
 * neighbours within a radius, each unordered pair once. The offsets are IRN's search offsets
 * ({@code misc/indexing.py}, {@code PathIndex}; PSA's {@code get_indices_of_pairs} has the same):
 * (0, dx) for dx in 1..r-1, and (dy, dx) for dy in 1..r-1, dx in -(r-1)..r-1 with dx^2 + dy^2 &lt; r^2
 * (34 offsets at r = 5). Offsets point down or right, so each pair appears once.
 */
public record PairOffsets(int radius, int[] dy, int[] dx) {

    public static PairOffsets within(int radius) {
        if (radius < 2) {
            throw new IllegalArgumentException(
                    "an affinity radius must be at least 2 (1 has no neighbours), got " + radius);
        }
        List<int[]> offsets = new ArrayList<>();
        for (int x = 1; x < radius; x++) {
            offsets.add(new int[] {0, x});
        }
        for (int y = 1; y < radius; y++) {
            for (int x = -radius + 1; x < radius; x++) {
                if (x * x + y * y < radius * radius) {
                    offsets.add(new int[] {y, x});
                }
            }
        }
        return new PairOffsets(
                radius,
                offsets.stream().mapToInt(o -> o[0]).toArray(),
                offsets.stream().mapToInt(o -> o[1]).toArray());
    }

    public int count() {
        return dy.length;
    }

    /** The first column of the pixels that have a partner at offset o (negative dx starts further right). */
    public int fromX(int o) {
        return Math.max(0, -dx[o]);
    }

    /** How many columns of pixels have a partner at offset o in a map of this width. */
    public int columns(int o, int width) {
        return Math.max(0, width - Math.abs(dx[o]));
    }

    /** How many rows of pixels have a partner at offset o in a map of this height. */
    public int rows(int o, int height) {
        return Math.max(0, height - dy[o]);
    }
}
