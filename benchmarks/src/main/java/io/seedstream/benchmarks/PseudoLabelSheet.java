package io.seedstream.benchmarks;

import io.seedstream.segmentation.data.ClassList;
import io.seedstream.segmentation.data.ImageCodec;
import io.seedstream.segmentation.data.LabeledImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A contact sheet of pseudo-labels to look at: one row per image, one panel per stage (the photo,
 * its true mask, then each stage's maps as heat or labels in class colours, unlabeled pixels grey).
 */
final class PseudoLabelSheet {

    private static final int GAP = 2;

    private final ClassList classes;
    private final List<String> stages = new ArrayList<>();
    private final List<List<byte[]>> panels = new ArrayList<>(); // per stage, per image: RGB

    PseudoLabelSheet(ClassList classes) {
        this.classes = classes;
    }

    /** A stage's class maps (class-major, the image's classes), drawn as their per-pixel maximum. */
    void addMaps(String stage, List<float[]> maps, List<LabeledImage> images) {
        List<byte[]> drawn = new ArrayList<>();
        for (int i = 0; i < images.size(); i++) {
            int pixels = images.get(i).width() * images.get(i).height();
            byte[] rgb = new byte[pixels * 3];
            float[] m = maps.get(i);
            for (int u = 0; u < pixels; u++) {
                float max = 0;
                for (int c = 0; c < m.length / pixels; c++) {
                    max = Math.max(max, m[c * pixels + u]);
                }
                int v = Math.round(255 * Math.min(1, max));
                rgb[3 * u] = (byte) v;
                rgb[3 * u + 1] = (byte) (v / 3);
                rgb[3 * u + 2] = (byte) (255 - v);
            }
            drawn.add(rgb);
        }
        add(stage, drawn);
    }

    /** A stage's labels (class ids, negative for unlabeled) in class colours. */
    void addLabels(String stage, List<int[]> labels) {
        add(stage, labels.stream().map(this::coloured).toList());
    }

    void addImages(List<LabeledImage> images) {
        add("image", images.stream().map(LabeledImage::rgb).toList());
        add(
                "truth",
                images.stream()
                        .map(image -> {
                            int[] mask = new int[image.width() * image.height()];
                            for (int u = 0; u < mask.length; u++) {
                                int id = image.mask()[u] & 0xFF;
                                mask[u] = id == ClassList.IGNORE ? -1 : id;
                            }
                            return coloured(mask);
                        })
                        .toList());
    }

    private void add(String stage, List<byte[]> drawn) {
        stages.add(stage);
        panels.add(drawn);
    }

    private byte[] coloured(int[] labels) {
        byte[] rgb = new byte[labels.length * 3];
        for (int u = 0; u < labels.length; u++) {
            int colour = labels[u] < 0 ? 0x808080 : labels[u] == classes.background() ? 0x000000 : palette(labels[u]);
            rgb[3 * u] = (byte) (colour >> 16);
            rgb[3 * u + 1] = (byte) (colour >> 8);
            rgb[3 * u + 2] = (byte) colour;
        }
        return rgb;
    }

    private static int palette(int id) {
        int[] colours = {
            0xe6194b, 0x3cb44b, 0xffe119, 0x4363d8, 0xf58231, 0x911eb4, 0x46f0f0, 0xf032e6, 0xbcf60c, 0xfabebe
        };
        return colours[id % colours.length];
    }

    /** Writes the sheet as a PNG; the stages' names in order are printed by the caller. */
    void write(Path file, int width, int height) throws IOException {
        int rows = panels.isEmpty() ? 0 : panels.get(0).size();
        int sheetWidth = stages.size() * (width + GAP);
        int sheetHeight = rows * (height + GAP);
        byte[] sheet = new byte[sheetWidth * sheetHeight * 3];
        Arrays.fill(sheet, (byte) 0xff);
        for (int s = 0; s < stages.size(); s++) {
            for (int r = 0; r < rows; r++) {
                byte[] panel = panels.get(s).get(r);
                for (int y = 0; y < height; y++) {
                    System.arraycopy(
                            panel,
                            y * width * 3,
                            sheet,
                            ((r * (height + GAP) + y) * sheetWidth + s * (width + GAP)) * 3,
                            width * 3);
                }
            }
        }
        BenchmarkReport.createParent(file);
        Files.write(file, ImageCodec.encodePng(sheetWidth, sheetHeight, sheet));
    }

    List<String> stages() {
        return List.copyOf(stages);
    }
}
