package io.seedstream.segmentation.data;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * COCO instance annotations ({@code instances_<split>.json}) as labeled images. The classes are the
 * file's categories in the order of their ids, after a background class. An image's labels are the
 * categories of its annotations, crowds included; its mask paints each annotation (polygons or RLE, compressed or
 * not) with its class, larger objects first so that smaller ones in front stay visible, and the
 * crowd regions ({@code iscrowd}) last with {@link ClassList#IGNORE}: they hold objects no
 * annotation outlines. An image that cannot be read (missing file, broken polygon, unknown
 * category, size that disagrees) is reported as a problem and skipped, never fatal.
 *
 * <p>Polygons are rasterised by pixel centres, (x + 0.5, y + 0.5) inside by the even-odd rule, which
 * is what {@code rleFrPoly} in cocodataset/cocoapi {@code common/maskApi.c} approximates on its
 * five-times finer grid; RLE counts run down the columns, zeros first, and the compressed form is
 * decoded as {@code rleFrString} there decodes it.
 */
public final class CocoReader {

    /** An annotation's class and the pixels it covers. */
    private record Painted(int classId, boolean[] covered, int area) {
        static Painted of(int classId, boolean[] covered) {
            int area = 0;
            for (boolean pixel : covered) {
                area += pixel ? 1 : 0;
            }
            return new Painted(classId, covered, area);
        }
    }

    private CocoReader() {}

    /** COCO's layout: {@code annotations/instances_<split>.json}, the images in {@code <split>/}. */
    public static DatasetLoad read(Path root, String split) throws IOException {
        Path annotations = root.resolve("annotations").resolve("instances_" + split + ".json");
        if (!Files.isRegularFile(annotations)) {
            throw new IOException("no COCO annotations " + annotations);
        }
        return read(annotations, root.resolve(split));
    }

    /** The annotations of one file, with the images' {@code file_name}s under {@code imageDirectory}. */
    public static DatasetLoad read(Path annotations, Path imageDirectory) throws IOException {
        JsonObject file;
        try (Reader reader = Files.newBufferedReader(annotations, StandardCharsets.UTF_8)) {
            file = JsonParser.parseReader(reader).getAsJsonObject();
        } catch (JsonParseException | IllegalStateException e) {
            throw new IOException(annotations + " is not COCO's JSON: " + e.getMessage(), e);
        }
        if (!file.has("images") || !file.has("annotations") || !file.has("categories")) {
            throw new IOException(annotations + " lacks one of images, annotations, categories");
        }
        Map<Long, Integer> classOf = new HashMap<>();
        ClassList classes = classes(file.getAsJsonArray("categories"), classOf);
        Map<Long, List<JsonObject>> byImage = new HashMap<>();
        for (JsonElement annotation : file.getAsJsonArray("annotations")) {
            JsonObject a = annotation.getAsJsonObject();
            byImage.computeIfAbsent(a.get("image_id").getAsLong(), id -> new ArrayList<>())
                    .add(a);
        }
        List<LabeledImage> images = new ArrayList<>();
        List<DatasetLoad.Problem> problems = new ArrayList<>();
        for (JsonElement entry : file.getAsJsonArray("images")) {
            JsonObject image = entry.getAsJsonObject();
            String name = image.get("file_name").getAsString();
            try {
                images.add(image(
                        image,
                        imageDirectory,
                        byImage.getOrDefault(image.get("id").getAsLong(), List.of()),
                        classOf));
            } catch (IOException | RuntimeException e) {
                problems.add(new DatasetLoad.Problem(name, e.getMessage()));
            }
        }
        return new DatasetLoad(classes, images, problems);
    }

    /** Background, then the categories by id; {@code classOf} maps a category id to its class id. */
    private static ClassList classes(JsonArray categories, Map<Long, Integer> classOf) {
        TreeMap<Long, String> byId = new TreeMap<>();
        for (JsonElement category : categories) {
            JsonObject c = category.getAsJsonObject();
            byId.put(c.get("id").getAsLong(), c.get("name").getAsString());
        }
        List<String> names = new ArrayList<>(List.of("background"));
        byId.forEach((id, name) -> {
            classOf.put(id, names.size());
            names.add(name);
        });
        return new ClassList(names, true);
    }

    private static LabeledImage image(
            JsonObject image, Path directory, List<JsonObject> annotations, Map<Long, Integer> classOf)
            throws IOException {
        String name = image.get("file_name").getAsString();
        Path file = directory.resolve(name);
        if (!Files.isRegularFile(file)) {
            throw new IOException("no such file " + file + " (image id " + image.get("id") + ")");
        }
        ImageCodec.Rgb rgb = ImageCodec.readRgb(file);
        int width = rgb.width();
        int height = rgb.height();
        if (image.has("width")
                && (image.get("width").getAsInt() != width
                        || image.get("height").getAsInt() != height)) {
            throw new IOException("the file is " + width + "x" + height + ", the annotations say " + image.get("width")
                    + "x" + image.get("height"));
        }
        List<Painted> objects = new ArrayList<>();
        List<Painted> crowds = new ArrayList<>();
        for (JsonObject a : annotations) {
            long category = a.get("category_id").getAsLong();
            if (!classOf.containsKey(category)) {
                throw new IOException("annotation " + a.get("id") + ": category id " + category
                        + " is not among the file's categories");
            }
            Painted painted = Painted.of(classOf.get(category), region(a, width, height));
            (a.has("iscrowd") && a.get("iscrowd").getAsInt() == 1 ? crowds : objects).add(painted);
        }
        byte[] mask = new byte[width * height]; // background, 0
        objects.sort(Comparator.comparingInt(Painted::area).reversed());
        TreeSet<Integer> labels = new TreeSet<>();
        for (Painted object : objects) {
            paint(mask, object.covered(), object.classId());
            labels.add(object.classId());
        }
        for (Painted crowd : crowds) {
            paint(mask, crowd.covered(), ClassList.IGNORE);
            labels.add(crowd.classId()); // a crowd of the class is in the image, outlined or not
        }
        return new LabeledImage(
                name,
                width,
                height,
                rgb.pixels(),
                mask,
                labels.stream().mapToInt(Integer::intValue).toArray());
    }

    /** The pixels an annotation covers, row-major. */
    static boolean[] region(JsonObject annotation, int width, int height) throws IOException {
        JsonElement segmentation = annotation.get("segmentation");
        String which = "annotation " + annotation.get("id") + ": ";
        if (segmentation == null || segmentation.isJsonNull()) {
            throw new IOException(which + "no segmentation");
        }
        if (segmentation.isJsonArray()) {
            boolean[] covered = new boolean[width * height];
            for (JsonElement polygon : segmentation.getAsJsonArray()) {
                JsonArray xy = polygon.getAsJsonArray();
                if (xy.size() < 6 || xy.size() % 2 != 0) {
                    throw new IOException(
                            which + "a polygon needs at least 3 points as x,y pairs; it has " + xy.size() + " numbers");
                }
                double[] points = new double[xy.size()];
                for (int i = 0; i < points.length; i++) {
                    points[i] = xy.get(i).getAsDouble();
                }
                fillPolygon(points, width, height, covered);
            }
            return covered;
        }
        JsonObject rle = segmentation.getAsJsonObject();
        JsonArray size = rle.getAsJsonArray("size");
        if (size == null || size.get(0).getAsInt() != height || size.get(1).getAsInt() != width) {
            throw new IOException(
                    which + "the RLE's size " + size + " is not the image's [" + height + ", " + width + "]");
        }
        JsonElement counts = rle.get("counts");
        long[] runs;
        if (counts.isJsonArray()) {
            runs = new long[counts.getAsJsonArray().size()];
            for (int i = 0; i < runs.length; i++) {
                runs[i] = counts.getAsJsonArray().get(i).getAsLong();
            }
        } else {
            runs = decodeCounts(counts.getAsString());
        }
        return decodeRle(runs, width, height, which);
    }

    /** Even-odd rule at pixel centres: (x + 0.5, y + 0.5) in the polygon of points x0, y0, x1, y1, ... */
    static void fillPolygon(double[] xy, int width, int height, boolean[] covered) {
        int n = xy.length / 2;
        double minX = Double.MAX_VALUE;
        double maxX = -Double.MAX_VALUE;
        double minY = Double.MAX_VALUE;
        double maxY = -Double.MAX_VALUE;
        for (int i = 0; i < n; i++) {
            minX = Math.min(minX, xy[2 * i]);
            maxX = Math.max(maxX, xy[2 * i]);
            minY = Math.min(minY, xy[2 * i + 1]);
            maxY = Math.max(maxY, xy[2 * i + 1]);
        }
        // Only the centres inside the bounding box can be inside the polygon.
        int fromY = Math.max(0, (int) Math.floor(minY - 0.5));
        int toY = Math.min(height - 1, (int) Math.ceil(maxY - 0.5));
        int fromX = Math.max(0, (int) Math.floor(minX - 0.5));
        int toX = Math.min(width - 1, (int) Math.ceil(maxX - 0.5));
        for (int y = fromY; y <= toY; y++) {
            double cy = y + 0.5;
            for (int x = fromX; x <= toX; x++) {
                double cx = x + 0.5;
                boolean inside = false;
                for (int i = 0, j = n - 1; i < n; j = i++) {
                    double xi = xy[2 * i];
                    double yi = xy[2 * i + 1];
                    double xj = xy[2 * j];
                    double yj = xy[2 * j + 1];
                    if ((yi > cy) != (yj > cy) && cx < (xj - xi) * (cy - yi) / (yj - yi) + xi) {
                        inside = !inside;
                    }
                }
                if (inside) {
                    covered[y * width + x] = true;
                }
            }
        }
    }

    /** COCO's compressed counts: 6 bits a character from '0', 5 of value and a continuation bit, deltas from the count two back. */
    static long[] decodeCounts(String s) {
        List<Long> counts = new ArrayList<>();
        int p = 0;
        while (p < s.length()) {
            long x = 0;
            int k = 0;
            boolean more = true;
            while (more) {
                int c = s.charAt(p) - 48;
                x |= (long) (c & 0x1f) << (5 * k);
                more = (c & 0x20) != 0;
                p++;
                k++;
                if (!more && (c & 0x10) != 0) {
                    x |= -1L << (5 * k);
                }
            }
            if (counts.size() > 2) {
                x += counts.get(counts.size() - 2);
            }
            counts.add(x);
        }
        return counts.stream().mapToLong(Long::longValue).toArray();
    }

    /** Runs down the columns, starting with a run of zeros, into a row-major region. */
    private static boolean[] decodeRle(long[] runs, int width, int height, String which) throws IOException {
        boolean[] covered = new boolean[width * height];
        long position = 0;
        boolean value = false;
        for (long run : runs) {
            if (run < 0 || position + run > (long) width * height) {
                throw new IOException(which + "the RLE counts run past the image's " + width * height + " pixels");
            }
            if (value) {
                for (long i = position; i < position + run; i++) {
                    int column = (int) (i / height);
                    int row = (int) (i % height);
                    covered[row * width + column] = true;
                }
            }
            position += run;
            value = !value;
        }
        return covered;
    }

    private static void paint(byte[] mask, boolean[] region, int value) {
        for (int p = 0; p < mask.length; p++) {
            if (region[p]) {
                mask[p] = (byte) value;
            }
        }
    }
}
