package io.seedstream.segmentation.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

/**
 * Readers for data sets with pixel masks on disk: PASCAL VOC and CamVid. Image-level labels are
 * derived from the masks; a class is present when it covers at least {@code minArea} of the labeled
 * pixels (VOC: any pixel; CamVid: 1%, since nearly every class touches nearly every frame).
 */
public final class MaskedDatasetReader {

    /** PASCAL VOC's 21 classes, background at 0; 255 marks object borders. */
    public static final ClassList VOC_CLASSES = new ClassList(
            List.of(
                    "background",
                    "aeroplane",
                    "bicycle",
                    "bird",
                    "boat",
                    "bottle",
                    "bus",
                    "car",
                    "cat",
                    "chair",
                    "cow",
                    "diningtable",
                    "dog",
                    "horse",
                    "motorbike",
                    "person",
                    "pottedplant",
                    "sheep",
                    "sofa",
                    "train",
                    "tvmonitor"),
            true);

    /** CamVid's 11 classes (SegNet's version); mask value 11 is "Unlabelled". */
    public static final ClassList CAMVID_CLASSES = new ClassList(
            List.of(
                    "Sky",
                    "Building",
                    "Pole",
                    "Road",
                    "Pavement",
                    "Tree",
                    "SignSymbol",
                    "Fence",
                    "Car",
                    "Pedestrian",
                    "Bicyclist"),
            false);

    private static final int CAMVID_UNLABELLED = 11;

    private MaskedDatasetReader() {}

    /** VOC layout: {@code JPEGImages/<id>.jpg}, {@code SegmentationClass/<id>.png}, ids from {@code ImageSets/Segmentation/<split>.txt}. */
    public static DatasetLoad voc(Path root, String split) throws IOException {
        Path list = root.resolve("ImageSets/Segmentation/" + split + ".txt");
        if (!Files.isRegularFile(list)) {
            throw new IOException("no split list " + list);
        }
        List<LabeledImage> images = new ArrayList<>();
        List<DatasetLoad.Problem> problems = new ArrayList<>();
        for (String id : Files.readAllLines(list)) {
            id = id.strip();
            if (!id.isEmpty()) {
                load(
                        root.resolve("JPEGImages/" + id + ".jpg"),
                        root.resolve("SegmentationClass/" + id + ".png"),
                        VOC_CLASSES,
                        0.0,
                        images,
                        problems);
            }
        }
        return new DatasetLoad(VOC_CLASSES, images, problems);
    }

    /** CamVid layout: {@code <split>/<name>.png} and {@code <split>annot/<name>.png}. */
    public static DatasetLoad camVid(Path root, String split) throws IOException {
        Path imageDir = root.resolve(split);
        Path maskDir = root.resolve(split + "annot");
        if (!Files.isDirectory(imageDir) || !Files.isDirectory(maskDir)) {
            throw new IOException("CamVid split '" + split + "' needs " + imageDir + " and " + maskDir);
        }
        List<LabeledImage> images = new ArrayList<>();
        List<DatasetLoad.Problem> problems = new ArrayList<>();
        try (var files = Files.list(imageDir)) {
            for (Path image : files.filter(Files::isRegularFile).sorted().toList()) {
                load(image, maskDir.resolve(image.getFileName()), CAMVID_CLASSES, 0.01, images, problems);
            }
        }
        return new DatasetLoad(CAMVID_CLASSES, images, problems);
    }

    private static void load(
            Path imageFile,
            Path maskFile,
            ClassList classes,
            double minArea,
            List<LabeledImage> images,
            List<DatasetLoad.Problem> problems) {
        String name = imageFile.getFileName().toString();
        try {
            ImageCodec.Rgb rgb = ImageCodec.readRgb(imageFile);
            if (!Files.isRegularFile(maskFile)) {
                throw new IOException("no mask " + maskFile.getFileName());
            }
            byte[] mask = ImageCodec.readMask(maskFile, rgb.width(), rgb.height());
            int[] counts = new int[256];
            int labeled = 0;
            for (int p = 0; p < mask.length; p++) {
                int value = mask[p] & 0xFF;
                if (value >= classes.size()) { // VOC's 255 borders, CamVid's 11 "Unlabelled"
                    if (value != ClassList.IGNORE && value != CAMVID_UNLABELLED) {
                        throw new IOException("mask value " + value + " is not a class id");
                    }
                    mask[p] = (byte) ClassList.IGNORE;
                    continue;
                }
                counts[value]++;
                labeled++;
            }
            int minPixels = Math.max(1, (int) Math.ceil(minArea * labeled));
            int[] labels = IntStream.range(0, classes.size())
                    .filter(c -> c != classes.background() && counts[c] >= minPixels)
                    .toArray();
            images.add(new LabeledImage(name, rgb.width(), rgb.height(), rgb.pixels(), mask, labels));
        } catch (IOException | RuntimeException e) {
            problems.add(new DatasetLoad.Problem(name, e.getMessage()));
        }
    }
}
