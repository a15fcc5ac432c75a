package io.seedstream.server;

import ai.djl.Model;
import ai.djl.pytorch.engine.PtEngine;
import ai.djl.pytorch.jni.JniUtils;
import com.google.gson.Gson;
import io.seedstream.model.ExportedModel;
import io.seedstream.segmentation.nn.Segmenter;
import java.io.ByteArrayInputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.slf4j.LoggerFactory;

/**
 * Segments an image with an exported segmenter the way a user's own program would: a JVM of its
 * own whose class path holds DJL, the core and seedstream-model, and no Flink, Kafka or server.
 */
final class ExportedModelCheck {

    private ExportedModelCheck() {}

    /** Unzips the server's export into {@code dir}; the model directory (the archive's one folder). */
    static Path unzip(byte[] zip, Path dir) throws IOException {
        Set<Path> folders = new LinkedHashSet<>();
        try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(zip))) {
            for (ZipEntry entry = in.getNextEntry(); entry != null; entry = in.getNextEntry()) {
                Path file = dir.resolve(entry.getName()).normalize();
                if (!file.startsWith(dir)) {
                    throw new IOException("entry outside the archive's folder: " + entry.getName());
                }
                Files.createDirectories(file.getParent());
                Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
                folders.add(file.getParent());
            }
        }
        if (folders.size() != 1) {
            throw new IOException("the export should hold one folder, not " + folders);
        }
        return folders.iterator().next();
    }

    /** The mask (one class id a pixel, row-major) the exported model in {@code modelDir} gives the image file. */
    static byte[] segment(Path modelDir, Path image, Path work) throws Exception {
        Path program = work.resolve("PlainDjlSegmentation.java");
        try (InputStream source = ExportedModelCheck.class.getResourceAsStream("PlainDjlSegmentation.java")) {
            Files.copy(source, program, StandardCopyOption.REPLACE_EXISTING);
        }
        Path mask = work.resolve("mask.bin");
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dai.djl.offline=true",
                "-cp",
                String.join(File.pathSeparator, plainClassPath()),
                program.toString(),
                modelDir.toString(),
                image.toString(),
                mask.toString()));
        Path log = work.resolve("plain-djl.log");
        Process process = new ProcessBuilder(command) // DJL_CACHE_DIR inherited
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        boolean exited = process.waitFor(120, TimeUnit.SECONDS);
        if (!exited || process.exitValue() != 0) {
            process.destroyForcibly();
            throw new AssertionError("plain DJL could not segment with the export" + (exited ? "" : " within 120 s")
                    + ":\n" + Files.readString(log, StandardCharsets.UTF_8));
        }
        return Files.readAllBytes(mask);
    }

    /** Where DJL (API, PyTorch engine and natives), Gson, SLF4J, the core and seedstream-model are: nothing else. */
    private static List<String> plainClassPath() throws URISyntaxException {
        Set<String> path = new LinkedHashSet<>();
        for (Class<?> type : List.of(
                ExportedModel.class,
                Segmenter.class,
                Model.class,
                PtEngine.class,
                JniUtils.class,
                Gson.class,
                LoggerFactory.class)) {
            path.add(Path.of(type.getProtectionDomain()
                            .getCodeSource()
                            .getLocation()
                            .toURI())
                    .toString());
        }
        String testPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        for (String entry : testPath.split(File.pathSeparator)) {
            if (entry.contains("pytorch-native-cpu")) {
                path.add(entry);
            }
        }
        return new ArrayList<>(path);
    }
}
