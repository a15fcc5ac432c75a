package io.seedstream.model;

import io.seedstream.segmentation.nn.SegmenterArchitecture;
import io.seedstream.segmentation.snapshot.ModelSnapshot;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * A segmenter as a DJL model directory, for use outside SeedStream:
 *
 * <ul>
 *   <li>{@code segmenter.snapshot}: the architecture and the weights (the snapshot format of the
 *       models topic's {@code parameters}, with its SHA-256);
 *   <li>{@code synset.txt}: the class names by id, background first, one a line (DJL's name for
 *       a class list);
 *   <li>{@code serving.properties}: the engine, the block factory DJL's model loader builds it
 *       with, the translator factory to give it (DJL Serving reads it from here), and the input
 *       size;
 *   <li>{@code README.txt}: how to load it.
 * </ul>
 */
public final class ExportedModel {

    static final String SNAPSHOT_FILE = "segmenter.snapshot";
    static final String CLASSES_FILE = "synset.txt";
    static final String PROPERTIES_FILE = "serving.properties";
    static final String README_FILE = "README.txt";

    private ExportedModel() {}

    /**
     * The directory's files by name, for a segmenter that takes images at their working size, the
     * shorter side {@code shortSide} pixels; any other model is refused with the reason.
     */
    public static Map<String, byte[]> files(ModelSnapshot segmenter, int shortSide) {
        if (!(segmenter.architecture() instanceof SegmenterArchitecture)) {
            throw new IllegalArgumentException("only a segmenter can be exported; " + segmenter.name() + " v"
                    + segmenter.version() + " is a " + segmenter.architecture().kind());
        }
        String properties = "# SeedStream " + segmenter.name() + " v" + segmenter.version() + ", for DJL's Criteria\n"
                + "engine=PyTorch\n"
                + "blockFactory=" + SegmenterBlockFactory.class.getName() + "\n"
                + "translatorFactory=" + SegmentationTranslatorFactory.class.getName() + "\n"
                + "# The weights are in " + SNAPSHOT_FILE + ", not in DJL's parameter file.\n"
                + "option.hasParameter=false\n"
                + "shortSide=" + shortSide + "\n"
                + "version=" + segmenter.version() + "\n";
        String readme = "SeedStream " + segmenter.name() + " v" + segmenter.version() + ": semantic segmentation into "
                + segmenter.classes().size() + " classes (" + CLASSES_FILE + ").\n\n"
                + "With io.seedstream:seedstream-model and DJL's PyTorch engine on the class path:\n\n"
                + "  Criteria<Image, CategoryMask> criteria = Criteria.builder()\n"
                + "          .setTypes(Image.class, CategoryMask.class)\n"
                + "          .optModelPath(Path.of(\"<this directory>\"))\n"
                + "          .optTranslatorFactory(new SegmentationTranslatorFactory())\n"
                + "          .build();\n"
                + "  try (ZooModel<Image, CategoryMask> model = criteria.loadModel();\n"
                + "          Predictor<Image, CategoryMask> predictor = model.newPredictor()) {\n"
                + "      CategoryMask mask = predictor.predict(ImageFactory.getInstance().fromFile(photo));\n"
                + "  }\n\n"
                + "The mask has the image's own size; images are resized, aspect ratio kept, to a shorter side of "
                + shortSide + " pixels for the network, as the SeedStream model server does.\n";
        Map<String, byte[]> files = new LinkedHashMap<>();
        files.put(PROPERTIES_FILE, properties.getBytes(StandardCharsets.UTF_8));
        files.put(CLASSES_FILE, (String.join("\n", segmenter.classes()) + "\n").getBytes(StandardCharsets.UTF_8));
        files.put(SNAPSHOT_FILE, segmenter.toBytes());
        files.put(README_FILE, readme.getBytes(StandardCharsets.UTF_8));
        return files;
    }

    /** Writes the files into {@code dir}, created if missing. */
    public static void write(Map<String, byte[]> files, Path dir) throws IOException {
        Files.createDirectories(dir);
        for (Map.Entry<String, byte[]> file : files.entrySet()) {
            Files.write(dir.resolve(file.getKey()), file.getValue());
        }
    }

    /** The files as a zip archive, in a folder named {@code folder}. */
    public static void zip(Map<String, byte[]> files, String folder, OutputStream out) throws IOException {
        try (ZipOutputStream zip = new ZipOutputStream(out)) {
            for (Map.Entry<String, byte[]> file : files.entrySet()) {
                zip.putNextEntry(new ZipEntry(folder + "/" + file.getKey()));
                zip.write(file.getValue());
                zip.closeEntry();
            }
        }
    }
}
