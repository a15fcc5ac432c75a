package io.seedstream.benchmarks;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** The working directories benchmarks make for a run and remove after it. */
final class Directories {

    private Directories() {}

    /** Deletes {@code directory} and everything in it; a file that cannot be deleted is named on standard error. */
    static void deleteRecursively(Path directory) {
        try (Stream<Path> walk = Files.walk(directory)) {
            for (Path path : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        } catch (IOException e) {
            System.err.println("could not delete " + directory + ": " + e.getMessage());
        }
    }
}
