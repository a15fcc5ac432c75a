package io.seedstream.segmentation.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DatasetReadersTest {

    @TempDir
    Path dir;

    @Test
    void camVidLabelsFollowTheAreaRuleAndBadFilesAreReportedByName() throws IOException {
        Files.createDirectories(dir.resolve("train"));
        Files.createDirectories(dir.resolve("trainannot"));
        // 10 x 10 mask: 95 px Road (3), 4 px Car (8, 4% of labeled), 1 px Pole (2, 1.01% -> present), ...
        byte[] mask = new byte[100];
        Arrays.fill(mask, (byte) 3);
        mask[0] = 8;
        mask[1] = 8;
        mask[2] = 8;
        mask[3] = 8;
        mask[4] = 2;
        mask[5] = 11; // Unlabelled: ignored, not counted
        writeRgb(dir.resolve("train/good.png"), 10, 10);
        writeGray(dir.resolve("trainannot/good.png"), 10, 10, mask);
        writeRgb(dir.resolve("train/small-mask.png"), 10, 10);
        writeGray(dir.resolve("trainannot/small-mask.png"), 5, 5, new byte[25]);
        Files.write(dir.resolve("train/broken.png"), new byte[] {1, 2, 3});
        writeRgb(dir.resolve("train/no-mask.png"), 10, 10);

        DatasetLoad load = MaskedDatasetReader.camVid(dir, "train");

        assertThat(load.images()).hasSize(1);
        LabeledImage good = load.images().get(0);
        assertThat(good.labels()).containsExactly(2, 3, 8); // 1/99 of the labeled pixels is >= 1%
        assertThat(good.maskAt(5, 0)).isEqualTo(ClassList.IGNORE);
        assertThat(load.problems())
                .extracting(DatasetLoad.Problem::file)
                .containsExactlyInAnyOrder("small-mask.png", "broken.png", "no-mask.png");
        assertThat(load.problems().stream()
                        .filter(p -> p.file().equals("small-mask.png"))
                        .findFirst()
                        .get()
                        .reason())
                .contains("5x5")
                .contains("10x10");
    }

    @Test
    void vocReadsTheSplitAndDerivesLabelsFromAnyPixel() throws IOException {
        Files.createDirectories(dir.resolve("JPEGImages"));
        Files.createDirectories(dir.resolve("SegmentationClass"));
        Files.createDirectories(dir.resolve("ImageSets/Segmentation"));
        Files.writeString(dir.resolve("ImageSets/Segmentation/train.txt"), "a\nmissing\n");
        byte[] mask = new byte[16];
        mask[0] = 15; // one person pixel
        mask[1] = (byte) 255; // border
        ImageIO.write(
                new BufferedImage(4, 4, BufferedImage.TYPE_INT_RGB),
                "jpg",
                dir.resolve("JPEGImages/a.jpg").toFile());
        writeGray(dir.resolve("SegmentationClass/a.png"), 4, 4, mask);

        DatasetLoad load = MaskedDatasetReader.voc(dir, "train");

        assertThat(load.images())
                .singleElement()
                .satisfies(image -> assertThat(image.labels()).containsExactly(15));
        assertThat(load.problems())
                .singleElement()
                .satisfies(p -> assertThat(p.file()).isEqualTo("missing.jpg"));
        assertThatThrownBy(() -> MaskedDatasetReader.voc(dir, "val")).hasMessageContaining("val.txt");
    }

    @Test
    void imageFolderReadsLabelsCsv() throws IOException {
        writeRgb(dir.resolve("x.png"), 3, 2);
        Files.writeString(
                dir.resolve("labels.csv"), "image,labels\nx.png,cat;dog\ny.png,dog\nbad line\nx.png,background\n");
        DatasetLoad load = ImageListReader.folder(dir);
        assertThat(load.classes().names()).containsExactly("background", "cat", "dog");
        assertThat(load.images()).singleElement().satisfies(image -> {
            assertThat(image.labels()).containsExactly(1, 2);
            assertThat(image.hasMask()).isFalse();
        });
        assertThat(load.problems())
                .extracting(DatasetLoad.Problem::file)
                .containsExactlyInAnyOrder("y.png", "labels.csv:4", "labels.csv:5");
    }

    @Test
    void aListNamesImagesByRelativePathOrFileUriAsCsvOrJsonLines() throws IOException {
        Path images = Files.createDirectories(dir.resolve("images"));
        writeRgb(images.resolve("x.png"), 3, 2);
        writeRgb(images.resolve("y.png"), 2, 2);
        Files.writeString(
                dir.resolve("list.csv"),
                "images/x.png,cat\n" + images.resolve("y.png").toUri() + ",dog;cat\nhttps://example.org/z.png,cat\n");
        DatasetLoad csv = ImageListReader.read(dir.resolve("list.csv"), ImageListReader.files(dir));
        assertThat(csv.classes().names()).containsExactly("background", "cat", "dog");
        assertThat(csv.images()).extracting(LabeledImage::width).containsExactly(3, 2);
        assertThat(csv.images().get(1).labels()).containsExactly(1, 2);
        assertThat(csv.problems())
                .extracting(Object::toString)
                .containsExactly("https://example.org/z.png: cannot fetch https: URLs here");

        Files.writeString(dir.resolve("list.jsonl"), """
                {"image": "images/x.png", "labels": ["cat", "dog"]}
                {"image": "images/y.png", "labels": []}
                {"image": "images/y.png"}
                not json
                """);
        DatasetLoad jsonLines = ImageListReader.read(dir.resolve("list.jsonl"), ImageListReader.files(dir));
        assertThat(jsonLines.images()).singleElement().satisfies(image -> {
            assertThat(image.id()).isEqualTo("images/x.png");
            assertThat(image.labels()).containsExactly(1, 2);
        });
        assertThat(jsonLines.problems())
                .extracting(DatasetLoad.Problem::file)
                .containsExactly("list.jsonl:2", "list.jsonl:3", "list.jsonl:4");
        assertThat(jsonLines.problems().get(0).reason()).isEqualTo("no labels: name at least one class present");
    }

    private static void writeRgb(Path file, int w, int h) throws IOException {
        ImageIO.write(new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB), "png", file.toFile());
    }

    private static void writeGray(Path file, int w, int h, byte[] values) throws IOException {
        BufferedImage image = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_GRAY);
        int[] samples = new int[values.length];
        for (int i = 0; i < values.length; i++) {
            samples[i] = values[i] & 0xFF;
        }
        image.getRaster().setSamples(0, 0, w, h, 0, samples);
        ImageIO.write(image, "png", file.toFile());
    }
}
