package io.seedstream.segmentation.data;

import io.seedstream.segmentation.config.SeedStreamConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

/**
 * A deterministic synthetic data set with exact masks, built to carry the difficulty of weak
 * supervision on real photos: each object is a large body that says little about its class (its
 * colour hints at the class only some of the time) plus a small "head" whose symbol and colour say
 * it outright, like an animal's head against its body. A classifier can succeed by looking at the
 * head alone, which is exactly how class activation maps come to miss the body.
 *
 * <p>Scenes have textured backgrounds of four kinds, clutter shapes in arbitrary colours, 1-3
 * objects that may overlap, and sometimes a branch drawn across everything (partial occlusion).
 * With {@code cooccurrenceBias} > 0 a class tends to appear on its own kind of background, the
 * bias GAIN targets. Image {@code i} depends only on the seed and {@code i}.
 */
public final class SyntheticDataset {

    /** Index of the first held-out image: training indices stay far below it. */
    public static final long HELD_OUT_START = 1L << 40;

    static final List<String> NAMES =
            List.of("background", "cross", "ring", "bars", "dots", "checker", "wedge", "zigzag", "star");

    /** Head colours, one per class: the strong, local cue. */
    private static final int[][] HEAD_COLOURS = {
        {230, 40, 40},
        {240, 220, 30},
        {220, 40, 220},
        {40, 220, 230},
        {250, 140, 20},
        {245, 245, 245},
        {120, 60, 240},
        {40, 230, 90}
    };

    /** Background kinds: grass, water, sand, rock. */
    private static final int[][] BACKGROUND_COLOURS = {{70, 120, 55}, {45, 85, 150}, {190, 170, 120}, {112, 106, 100}};

    private static final int BACKGROUND_KINDS = BACKGROUND_COLOURS.length;

    private final SeedStreamConfig.Synthetic config;
    private final ClassList classes;

    /**
     * How an image was made, for tests and inspection: what each object shows after occlusion, and
     * which pixels show a head (row-major, like the mask).
     */
    public record Scene(LabeledImage image, int backgroundKind, List<SceneObject> objects, boolean[] headPixels) {}

    /**
     * @param paintedPixels pixels the object covered when painted (body and head)
     * @param visibleBody pixels of its body still visible in the final image
     * @param visibleHead pixels of its head still visible
     */
    public record SceneObject(int classId, int paintedPixels, int visibleBody, int visibleHead) {}

    public SyntheticDataset(SeedStreamConfig.Synthetic config) {
        this.config = config;
        this.classes = new ClassList(NAMES.subList(0, config.numClasses() + 1), true);
    }

    public ClassList classes() {
        return classes;
    }

    /** Images {@code from .. from + count - 1}. */
    public List<LabeledImage> images(long from, int count) {
        List<LabeledImage> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            out.add(image(from + i));
        }
        return out;
    }

    /** The {@code index}-th image; held-out images start at {@link #HELD_OUT_START}. */
    public LabeledImage image(long index) {
        return scene(index).image();
    }

    /** The {@code index}-th image with how it was made. */
    public Scene scene(long index) {
        SplittableRandom random = new SplittableRandom(config.seed() * 0x9E3779B97F4A7C15L + index);
        Canvas canvas = new Canvas(config.imageSize());
        int objects = config.minObjects() + random.nextInt(config.maxObjects() - config.minObjects() + 1);
        int[] objectClasses = pickDistinctClasses(random, objects);

        int backgroundKind = random.nextDouble() < config.cooccurrenceBias()
                ? habitat(objectClasses[0])
                : random.nextInt(BACKGROUND_KINDS);
        paintBackground(canvas, random, backgroundKind);
        paintClutter(canvas, random);
        int[] painted = new int[objects];
        for (int i = 0; i < objects; i++) {
            canvas.owner = i + 1;
            paintObject(canvas, random, objectClasses[i]);
            painted[i] = canvas.paintedByOwner;
            canvas.paintedByOwner = 0;
        }
        canvas.owner = 0;
        if (random.nextDouble() < 0.35) {
            paintBranch(canvas, random);
        }
        String id = (index >= HELD_OUT_START ? "heldout-" + (index - HELD_OUT_START) : "train-" + index);
        LabeledImage image =
                new LabeledImage(id, canvas.size, canvas.size, canvas.rgb, canvas.mask, visibleClasses(canvas));
        int[] body = new int[objects + 1];
        int[] head = new int[objects + 1];
        for (int p = 0; p < canvas.owners.length; p++) {
            (canvas.heads[p] ? head : body)[canvas.owners[p]]++;
        }
        List<SceneObject> sceneObjects = new ArrayList<>();
        for (int i = 0; i < objects; i++) {
            sceneObjects.add(new SceneObject(objectClasses[i], painted[i], body[i + 1], head[i + 1]));
        }
        return new Scene(image, backgroundKind, sceneObjects, canvas.heads);
    }

    /** The background kind class {@code classId} tends to appear on under co-occurrence bias. */
    static int habitat(int classId) {
        return (classId - 1) % BACKGROUND_KINDS;
    }

    private int[] pickDistinctClasses(SplittableRandom random, int count) {
        List<Integer> pool = new ArrayList<>();
        for (int c = 1; c <= config.numClasses(); c++) {
            pool.add(c);
        }
        int[] picked = new int[count];
        for (int i = 0; i < count; i++) {
            picked[i] = pool.remove(random.nextInt(pool.size()));
        }
        return picked;
    }

    /** A class counts as present when at least 0.2% of the pixels show it (hides slivers). */
    private int[] visibleClasses(Canvas canvas) {
        int[] counts = new int[256];
        for (byte b : canvas.mask) {
            counts[b & 0xFF]++;
        }
        int minPixels = Math.max(4, canvas.size * canvas.size / 500);
        return IntStream.rangeClosed(1, config.numClasses())
                .filter(c -> counts[c] >= minPixels)
                .toArray();
    }

    private static void paintBackground(Canvas canvas, SplittableRandom random, int kind) {
        int s = canvas.size;
        int[] base = jitter(BACKGROUND_COLOURS[kind], random, 18);
        ValueNoise coarse = new ValueNoise(random, Math.max(2, s / 12), s);
        ValueNoise fine = new ValueNoise(random, Math.max(2, s / 40), s);
        double phase = random.nextDouble() * Math.PI * 2;
        double frequency = 0.25 + random.nextDouble() * 0.25;
        for (int y = 0; y < s; y++) {
            for (int x = 0; x < s; x++) {
                double shade = 40 * (coarse.at(x, y) - 0.5) + 22 * (fine.at(x, y) - 0.5);
                shade += switch (kind) {
                    case 0 -> 18 * Math.sin(x * 1.3 + 4 * fine.at(x, y)); // grass blades
                    case 1 -> 20 * Math.sin(y * frequency + phase + 3 * coarse.at(x, y)); // waves
                    case 2 -> random.nextDouble() < 0.06 ? -35 : 0; // sand grains
                    default -> (Math.abs(coarse.at(x, y) - 0.5) < 0.02) ? -45 : 0; // rock cracks
                };
                canvas.set(x, y, base[0] + shade, base[1] + shade, base[2] + shade, 0);
            }
        }
    }

    /** Shapes in arbitrary colours, some as saturated as the heads, so colour alone is not a class. */
    private static void paintClutter(Canvas canvas, SplittableRandom random) {
        int s = canvas.size;
        int count = 4 + random.nextInt(7);
        for (int i = 0; i < count; i++) {
            int[] colour = {random.nextInt(256), random.nextInt(256), random.nextInt(256)};
            double cx = random.nextDouble() * s;
            double cy = random.nextDouble() * s;
            double r = s * (0.02 + random.nextDouble() * 0.06);
            boolean square = random.nextBoolean();
            canvas.fill(
                    cx - r,
                    cy - r,
                    cx + r,
                    cy + r,
                    (x, y) -> square
                            ? Math.abs(x - cx) <= r && Math.abs(y - cy) <= r * 0.6
                            : (x - cx) * (x - cx) + (y - cy) * (y - cy) <= r * r,
                    colour,
                    0,
                    null);
        }
    }

    private void paintObject(Canvas canvas, SplittableRandom random, int classId) {
        int s = canvas.size;
        double cx = s * (0.15 + random.nextDouble() * 0.7);
        double cy = s * (0.15 + random.nextDouble() * 0.7);
        double a = s * (0.14 + random.nextDouble() * 0.10);
        double b = a * (0.5 + random.nextDouble() * 0.3);
        double angle = random.nextDouble() * Math.PI * 2;
        double cos = Math.cos(angle);
        double sin = Math.sin(angle);

        // Body: the weak cue. Its hue comes from the class's band only some of the time.
        double hue = random.nextDouble() < config.bodyColourCue()
                ? (classId - 1) / (double) config.numClasses() + random.nextDouble() * 0.08
                : random.nextDouble();
        int[] bodyColour = hsv(hue, 0.35 + random.nextDouble() * 0.3, 0.45 + random.nextDouble() * 0.35);
        ValueNoise mottle = new ValueNoise(random, Math.max(2, s / 24), s);
        double reach = Math.max(a, b) + 1;
        canvas.fill(
                cx - reach,
                cy - reach,
                cx + reach,
                cy + reach,
                (x, y) -> {
                    double u = ((x - cx) * cos + (y - cy) * sin) / a;
                    double v = (-(x - cx) * sin + (y - cy) * cos) / b;
                    return u * u + v * v <= 1;
                },
                bodyColour,
                classId,
                (x, y) -> 30 * (mottle.at(x, y) - 0.5));

        // Head: the strong cue, a class-coloured disc with the class's symbol, at the end of the body.
        double r = Math.max(2.5, b * (0.45 + random.nextDouble() * 0.15));
        double hx = cx + cos * a * 0.95;
        double hy = cy + sin * a * 0.95;
        int[] headColour = jitter(HEAD_COLOURS[classId - 1], random, 15);
        int[] ink = classId == 6 ? new int[] {20, 20, 20} : new int[] {250, 250, 250};
        canvas.paintingHead = true;
        canvas.fill(
                hx - r - 1,
                hy - r - 1,
                hx + r + 1,
                hy + r + 1,
                (x, y) -> (x - hx) * (x - hx) + (y - hy) * (y - hy) <= r * r,
                headColour,
                classId,
                null);
        canvas.fill(
                hx - r - 1,
                hy - r - 1,
                hx + r + 1,
                hy + r + 1,
                (x, y) -> {
                    double u = ((x - hx) * cos + (y - hy) * sin) / r;
                    double v = (-(x - hx) * sin + (y - hy) * cos) / r;
                    return u * u + v * v <= 1 && symbol(classId, u, v);
                },
                ink,
                classId,
                null);
        canvas.paintingHead = false;
    }

    /** Whether local head coordinates (u, v) in the unit disc are inked for this class's symbol. */
    static boolean symbol(int classId, double u, double v) {
        double radius = Math.sqrt(u * u + v * v);
        return switch (classId) {
            case 1 -> Math.abs(u) < 0.22 || Math.abs(v) < 0.22; // cross
            case 2 -> radius > 0.4 && radius < 0.7; // ring
            case 3 -> ((int) Math.floor((u + 1) * 2.5)) % 2 == 0; // bars
            case 4 -> Math.hypot(Math.abs(u) - 0.42, Math.abs(v) - 0.42) < 0.26; // dots
            case 5 -> (((int) Math.floor((u + 1) * 2)) + ((int) Math.floor((v + 1) * 2))) % 2 == 0; // checker
            case 6 -> v > 0; // wedge
            case 7 -> Math.abs(v - 0.4 * Math.abs(((u * 3) % 2 + 2) % 2 - 1)) < 0.2; // zigzag
            default -> Math.abs(u - v) < 0.25 || Math.abs(u + v) < 0.25; // star
        };
    }

    /** A branch across the scene: it hides parts of whatever is below it and is background. */
    private static void paintBranch(Canvas canvas, SplittableRandom random) {
        int s = canvas.size;
        double x0 = random.nextDouble() * s;
        double y0 = 0;
        double x1 = random.nextDouble() * s;
        double y1 = s;
        if (random.nextBoolean()) { // horizontal instead
            y0 = x0;
            x0 = 0;
            y1 = x1;
            x1 = s;
        }
        double width = Math.max(1.0, s * (0.015 + random.nextDouble() * 0.02));
        double dx = x1 - x0;
        double dy = y1 - y0;
        double length = Math.hypot(dx, dy);
        double fx0 = x0;
        double fy0 = y0;
        int[] colour = jitter(new int[] {85, 60, 40}, random, 10);
        canvas.fill(0, 0, s, s, (x, y) -> Math.abs((x - fx0) * dy - (y - fy0) * dx) / length <= width, colour, 0, null);
    }

    private static int[] jitter(int[] colour, SplittableRandom random, int amount) {
        int[] out = new int[3];
        for (int c = 0; c < 3; c++) {
            out[c] = colour[c] + random.nextInt(2 * amount + 1) - amount;
        }
        return out;
    }

    static int[] hsv(double hue, double saturation, double value) {
        double h = (hue % 1.0 + 1.0) % 1.0 * 6;
        int sector = (int) Math.floor(h) % 6;
        double f = h - Math.floor(h);
        double p = value * (1 - saturation);
        double q = value * (1 - saturation * f);
        double t = value * (1 - saturation * (1 - f));
        double[] rgb =
                switch (sector) {
                    case 0 -> new double[] {value, t, p};
                    case 1 -> new double[] {q, value, p};
                    case 2 -> new double[] {p, value, t};
                    case 3 -> new double[] {p, q, value};
                    case 4 -> new double[] {t, p, value};
                    default -> new double[] {value, p, q};
                };
        return new int[] {(int) (rgb[0] * 255), (int) (rgb[1] * 255), (int) (rgb[2] * 255)};
    }

    /** Smooth noise in [0, 1]: random values on a lattice, bilinearly interpolated. */
    private static final class ValueNoise {
        private final double[][] lattice;
        private final int cell;

        ValueNoise(SplittableRandom random, int cell, int imageSize) {
            this.cell = cell;
            int n = imageSize / cell + 3;
            lattice = new double[n][n];
            for (double[] row : lattice) {
                for (int i = 0; i < n; i++) {
                    row[i] = random.nextDouble();
                }
            }
        }

        double at(double x, double y) {
            double limit = lattice.length - 2;
            double gx = Math.min(limit - 1e-9, Math.max(0, x) / cell);
            double gy = Math.min(limit - 1e-9, Math.max(0, y) / cell);
            int ix = (int) gx;
            int iy = (int) gy;
            double fx = gx - ix;
            double fy = gy - iy;
            double top = lattice[iy][ix] * (1 - fx) + lattice[iy][ix + 1] * fx;
            double bottom = lattice[iy + 1][ix] * (1 - fx) + lattice[iy + 1][ix + 1] * fx;
            return top * (1 - fy) + bottom * fy;
        }
    }

    @FunctionalInterface
    private interface Region {
        boolean contains(double x, double y);
    }

    @FunctionalInterface
    private interface Shading {
        double at(double x, double y);
    }

    /** RGB pixels and the class mask, painted together so they never disagree. */
    private static final class Canvas {
        final int size;
        final byte[] rgb;
        final byte[] mask;
        /** Which object (1-based, 0 = none) and whether its head shows at each pixel. */
        final int[] owners;

        final boolean[] heads;
        int owner;
        boolean paintingHead;
        int paintedByOwner;

        Canvas(int size) {
            this.size = size;
            this.rgb = new byte[size * size * 3];
            this.mask = new byte[size * size];
            this.owners = new int[size * size];
            this.heads = new boolean[size * size];
        }

        void set(int x, int y, double r, double g, double b, int classId) {
            int p = y * size + x;
            rgb[p * 3] = clamp(r);
            rgb[p * 3 + 1] = clamp(g);
            rgb[p * 3 + 2] = clamp(b);
            mask[p] = (byte) classId;
            if (owner != 0 && owners[p] != owner) {
                paintedByOwner++;
            }
            if (owner != 0 && paintingHead) {
                heads[p] = true;
            } else if (owners[p] != owner) {
                heads[p] = false;
            }
            owners[p] = owner;
        }

        /** Paints the pixel centres inside {@code region} within the bounding box. */
        void fill(
                double x0, double y0, double x1, double y1, Region region, int[] colour, int classId, Shading shading) {
            int xs = Math.max(0, (int) Math.floor(x0));
            int ys = Math.max(0, (int) Math.floor(y0));
            int xe = Math.min(size - 1, (int) Math.ceil(x1));
            int ye = Math.min(size - 1, (int) Math.ceil(y1));
            for (int y = ys; y <= ye; y++) {
                for (int x = xs; x <= xe; x++) {
                    double px = x + 0.5;
                    double py = y + 0.5;
                    if (region.contains(px, py)) {
                        double shade = shading == null ? 0 : shading.at(px, py);
                        set(x, y, colour[0] + shade, colour[1] + shade, colour[2] + shade, classId);
                    }
                }
            }
        }

        private static byte clamp(double v) {
            return (byte) Math.max(0, Math.min(255, (int) Math.round(v)));
        }
    }
}
