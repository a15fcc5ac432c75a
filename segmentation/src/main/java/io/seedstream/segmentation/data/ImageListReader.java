package io.seedstream.segmentation.data;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;

/**
 * Images named in a list, each with the classes present (image-level labels, no masks): a CSV of
 * {@code image,class;class;...} lines (a header {@code image,labels} is allowed), or JSON lines of
 * {@code {"image": "...", "labels": ["cat", "dog"]}} (a file ending in {@code .jsonl} or
 * {@code .ndjson}). An image is a path relative to the list, a {@code file:} URI, or whatever else
 * the caller's {@link ImageFetcher} fetches (the command line adds http and https). The class
 * list is the sorted union of the names, after a "background" class at id 0. A line or an image
 * that cannot be read is reported by its place and reason, never fatal.
 */
public final class ImageListReader {

    /** The bytes of the image at {@code location}, as the list names it. */
    @FunctionalInterface
    public interface ImageFetcher {
        byte[] fetch(String location) throws IOException;
    }

    private record Row(String where, String image, List<String> labels) {}

    private ImageListReader() {}

    /** A folder of images with a {@code labels.csv}. */
    public static DatasetLoad folder(Path folder) throws IOException {
        Path labels = folder.resolve("labels.csv");
        if (!Files.isRegularFile(labels)) {
            throw new IOException("no labels.csv in " + folder);
        }
        return read(labels, files(folder));
    }

    /** The list in {@code list}, its images fetched by {@code fetcher}. */
    public static DatasetLoad read(Path list, ImageFetcher fetcher) throws IOException {
        if (!Files.isRegularFile(list)) {
            throw new IOException("no image list " + list);
        }
        String name = list.getFileName().toString();
        boolean jsonLines = name.endsWith(".jsonl") || name.endsWith(".ndjson");
        List<Row> rows = new ArrayList<>();
        List<DatasetLoad.Problem> problems = new ArrayList<>();
        TreeSet<String> names = new TreeSet<>();
        List<String> lines = Files.readAllLines(list);
        for (int n = 0; n < lines.size(); n++) {
            String line = (n == 0 ? lines.get(n).replace("\uFEFF", "") : lines.get(n)).strip();
            String where = name + ":" + (n + 1);
            if (line.isEmpty() || (!jsonLines && n == 0 && line.replace(" ", "").equalsIgnoreCase("image,labels"))) {
                continue;
            }
            try {
                Row row = jsonLines ? jsonRow(where, line) : csvRow(where, line);
                if (row.labels().contains("background") || row.labels().contains("")) {
                    throw new IOException(
                            "labels name the classes present; 'background' and empty names are not" + " classes");
                }
                names.addAll(row.labels());
                rows.add(row);
            } catch (IOException e) {
                problems.add(new DatasetLoad.Problem(where, e.getMessage()));
            }
        }
        List<String> classNames = new ArrayList<>(List.of("background"));
        classNames.addAll(names);
        ClassList classes = new ClassList(classNames, true);
        List<LabeledImage> images = new ArrayList<>();
        for (Row row : rows) {
            try {
                ImageCodec.Rgb rgb = ImageCodec.decodeRgb(fetcher.fetch(row.image()));
                int[] labels =
                        row.labels().stream().mapToInt(classes::idOf).distinct().toArray();
                images.add(new LabeledImage(row.image(), rgb.width(), rgb.height(), rgb.pixels(), null, labels));
            } catch (IOException | RuntimeException e) {
                problems.add(new DatasetLoad.Problem(row.image(), e.getMessage()));
            }
        }
        return new DatasetLoad(classes, images, problems);
    }

    /** Paths relative to {@code base}, and {@code file:} URIs; any other scheme is refused with its name. */
    public static ImageFetcher files(Path base) {
        return location -> {
            int colon = location.indexOf(':');
            if (colon > 1 && location.substring(0, colon).matches("[A-Za-z][A-Za-z0-9+.-]*")) {
                URI uri = URI.create(location);
                if (!"file".equalsIgnoreCase(uri.getScheme())) {
                    throw new IOException("cannot fetch " + uri.getScheme() + ": URLs here");
                }
                return Files.readAllBytes(Path.of(uri));
            }
            return Files.readAllBytes(base.resolve(location));
        };
    }

    private static Row csvRow(String where, String line) throws IOException {
        String[] parts = line.split(",", 2);
        if (parts.length < 2 || parts[1].isBlank()) {
            throw new IOException("expected 'image,class;class', got '" + line + "'");
        }
        return new Row(
                where,
                parts[0].strip(),
                Arrays.stream(parts[1].split(";")).map(String::strip).toList());
    }

    private static Row jsonRow(String where, String line) throws IOException {
        try {
            JsonObject object = JsonParser.parseString(line).getAsJsonObject();
            JsonElement image = object.get("image");
            JsonElement labels = object.get("labels");
            if (image == null || !image.isJsonPrimitive() || labels == null || !labels.isJsonArray()) {
                throw new IOException("expected {\"image\": \"...\", \"labels\": [\"class\", ...]}, got " + line);
            }
            List<String> names = new ArrayList<>();
            for (JsonElement label : labels.getAsJsonArray()) {
                names.add(label.getAsString().strip());
            }
            if (names.isEmpty()) {
                throw new IOException("no labels: name at least one class present");
            }
            return new Row(where, image.getAsString(), names);
        } catch (JsonParseException | IllegalStateException | UnsupportedOperationException e) {
            throw new IOException("not a JSON object: " + e.getMessage(), e);
        }
    }
}
