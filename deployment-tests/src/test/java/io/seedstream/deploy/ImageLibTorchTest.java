package io.seedstream.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The images load libtorch the way docker/ sets it up, reproduced without Docker: libtorch unpacked
 * from DJL's native jar as docker/sort-jars.sh unpacks it, the native jar off the classpath, and the
 * image's PYTORCH_* environment. DJL must then compute offline and extract nothing but its small JNI
 * library into its cache.
 */
class ImageLibTorchTest {

    private static final String NATIVE_JAR = "pytorch-native-cpu";
    private static final String LIBTORCH_IN_JAR = "pytorch/cpu/linux-x86_64/";

    @Test
    void theCpuImagesLoadTheUnpackedLibtorch(@TempDir Path djlCache) throws Exception {
        List<String> classpath =
                Arrays.asList(System.getProperty("java.class.path").split(File.pathSeparator));
        String nativeJar = classpath.stream()
                .filter(p -> p.contains(NATIVE_JAR))
                .findFirst()
                .orElseThrow();
        // next to DJL's own cache (outside target/, kept across "mvn clean"), where the build sets one
        String djlHome = System.getenv("DJL_CACHE_DIR");
        Path libtorch = unpack(
                Path.of(nativeJar),
                (djlHome != null
                                ? Path.of(djlHome).resolveSibling("image-libtorch")
                                : Path.of("target", "image-libtorch"))
                        .resolve(Repository.PYTORCH_VERSION + "-cpu")
                        .resolve("lib"));
        assertThat(Repository.read("docker/sort-jars.sh")).contains("'" + LIBTORCH_IN_JAR + "*'");

        Map<String, String> imageEnvironment =
                Dockerfile.parse(Repository.read("docker/Dockerfile")).environment("flink-jobs-cpu");
        ProcessBuilder probe = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-Dai.djl.offline=true",
                        "-cp",
                        classpath.stream()
                                .filter(p -> !p.contains(NATIVE_JAR))
                                .collect(Collectors.joining(File.pathSeparator)),
                        LibTorchProbe.class.getName())
                .redirectErrorStream(true);
        probe.environment()
                .put("PYTORCH_LIBRARY_PATH", libtorch.toAbsolutePath().toString());
        probe.environment().put("PYTORCH_VERSION", imageEnvironment.get("PYTORCH_VERSION"));
        probe.environment().put("PYTORCH_FLAVOR", imageEnvironment.get("PYTORCH_FLAVOR"));
        probe.environment().put("DJL_CACHE_DIR", djlCache.toString());
        Process process = probe.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(2, TimeUnit.MINUTES)).isTrue();
        assertThat(process.exitValue()).as(output).isZero();
        assertThat(output).contains("engine PyTorch " + Repository.PYTORCH_VERSION + " sum 6.0");
        try (Stream<Path> cached = Files.walk(djlCache)) {
            long bytes = cached.filter(Files::isRegularFile)
                    .mapToLong(f -> f.toFile().length())
                    .sum();
            assertThat(bytes).as("only the JNI library is extracted").isLessThan(32L << 20);
        }
    }

    /** The libtorch files of the native jar, flat into {@code dir} (kept between runs). */
    private static Path unpack(Path jar, Path dir) throws IOException {
        Files.createDirectories(dir);
        try (ZipFile zip = new ZipFile(jar.toFile())) {
            List<ZipEntry> entries = new ArrayList<>();
            zip.stream()
                    .filter(e -> !e.isDirectory() && e.getName().startsWith(LIBTORCH_IN_JAR))
                    .forEach(entries::add);
            assertThat(entries).isNotEmpty();
            for (ZipEntry entry : entries) {
                Path target = dir.resolve(entry.getName().substring(LIBTORCH_IN_JAR.length()));
                if (!Files.exists(target) || Files.size(target) != entry.getSize()) {
                    try (InputStream in = zip.getInputStream(entry)) {
                        Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
                    }
                }
            }
        }
        return dir;
    }
}
