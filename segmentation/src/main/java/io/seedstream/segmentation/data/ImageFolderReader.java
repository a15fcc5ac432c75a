package io.seedstream.segmentation.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;

/**
 * A folder of images with a {@code labels.csv}: one line per image, {@code file,class;class;...}
 * (a header line {@code image,labels} is allowed). The class list is the sorted union of the names,
 * after a "background" class at id 0. No masks: image-level labels only.
 */
public final class ImageFolderReader {

    private ImageFolderReader() {}

    public static DatasetLoad read(Path folder) throws IOException {
        Path labelsFile = folder.resolve("labels.csv");
        if (!Files.isRegularFile(labelsFile)) {
            throw new IOException("no labels.csv in " + folder);
        }
        List<String[]> rows = new ArrayList<>();
        List<DatasetLoad.Problem> problems = new ArrayList<>();
        TreeSet<String> names = new TreeSet<>();
        List<String> lines = Files.readAllLines(labelsFile);
        for (int n = 0; n < lines.size(); n++) {
            String line = lines.get(n).strip();
            if (line.isEmpty() || (n == 0 && line.equalsIgnoreCase("image,labels"))) {
                continue;
            }
            String[] parts = line.split(",", 2);
            if (parts.length < 2 || parts[1].isBlank()) {
                problems.add(new DatasetLoad.Problem(
                        "labels.csv:" + (n + 1), "expected 'file,class;class', got '" + line + "'"));
                continue;
            }
            List<String> rowNames =
                    Arrays.stream(parts[1].split(";")).map(String::strip).toList();
            if (rowNames.contains("background") || rowNames.contains("")) {
                problems.add(new DatasetLoad.Problem(
                        "labels.csv:" + (n + 1),
                        "labels name the classes present; 'background' and empty names are not classes"));
                continue;
            }
            names.addAll(rowNames);
            rows.add(parts);
        }
        List<String> classNames = new ArrayList<>();
        classNames.add("background");
        classNames.addAll(names);
        ClassList classes = new ClassList(classNames, true);

        List<LabeledImage> images = new ArrayList<>();
        for (String[] row : rows) {
            String file = row[0].strip();
            try {
                ImageCodec.Rgb rgb = ImageCodec.readRgb(folder.resolve(file));
                int[] labels = Arrays.stream(row[1].split(";"))
                        .map(String::strip)
                        .mapToInt(classes::idOf)
                        .distinct()
                        .toArray();
                images.add(new LabeledImage(file, rgb.width(), rgb.height(), rgb.pixels(), null, labels));
            } catch (IOException | RuntimeException e) {
                problems.add(new DatasetLoad.Problem(file, e.getMessage()));
            }
        }
        return new DatasetLoad(classes, images, problems);
    }
}
