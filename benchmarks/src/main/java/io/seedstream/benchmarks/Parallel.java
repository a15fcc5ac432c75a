package io.seedstream.benchmarks;

import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;
import java.util.stream.IntStream;

/**
 * Per-image work that runs in plain Java (the CRF, region growing) spread over the cores, in
 * chunks so that progress still moves; results keep the images' order.
 */
final class Parallel {

    private static final int CHUNK = 64;

    private Parallel() {}

    static <T> List<T> map(int count, Progress progress, String phase, IntFunction<T> work) {
        progress.start(phase, count);
        List<T> results = new ArrayList<>(count);
        for (int from = 0; from < count; from += CHUNK) {
            results.addAll(IntStream.range(from, Math.min(count, from + CHUNK))
                    .parallel()
                    .mapToObj(work)
                    .toList());
            progress.update(results.size(), "");
        }
        return results;
    }
}
