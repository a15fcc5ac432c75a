package io.seedstream.segmentation.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A COCO file made here, 6x4 images, whose masks are worked out by hand below. */
class CocoReaderTest {

    private static final int W = 6;
    private static final int H = 4;

    private static final String ANNOTATIONS = """
            {"categories": [{"id": 7, "name": "dog"}, {"id": 3, "name": "cat"}],
             "images": [
               {"id": 1, "file_name": "a.png", "width": 6, "height": 4},
               {"id": 2, "file_name": "b.png", "width": 6, "height": 4},
               {"id": 3, "file_name": "missing.png", "width": 6, "height": 4},
               {"id": 4, "file_name": "c.png", "width": 6, "height": 4},
               {"id": 5, "file_name": "d.png", "width": 6, "height": 4},
               {"id": 6, "file_name": "e.png", "width": 6, "height": 4}],
             "annotations": [
               {"id": 10, "image_id": 1, "category_id": 3, "iscrowd": 0,
                "segmentation": [[0, 0, 4, 0, 4, 4, 0, 4]]},
               {"id": 11, "image_id": 1, "category_id": 7, "iscrowd": 0,
                "segmentation": [[3, 1, 5, 1, 5, 3, 3, 3]]},
               {"id": 12, "image_id": 1, "category_id": 7, "iscrowd": 1,
                "segmentation": {"counts": [20, 4], "size": [4, 6]}},
               {"id": 20, "image_id": 2, "category_id": 7, "iscrowd": 0,
                "segmentation": {"counts": "125>", "size": [4, 6]}},
               {"id": 40, "image_id": 4, "category_id": 99, "iscrowd": 0,
                "segmentation": [[0, 0, 1, 0, 1, 1]]},
               {"id": 50, "image_id": 5, "category_id": 3, "iscrowd": 0,
                "segmentation": [[1, 1, 2, 2]]},
               {"id": 60, "image_id": 6, "category_id": 3, "iscrowd": 1,
                "segmentation": {"counts": [0, 4, 20], "size": [4, 6]}}]}
            """;

    @Test
    void readsLabelsAndMasksFromPolygonsAndRleAndIgnoresCrowds(@TempDir Path root) throws Exception {
        Path images = Files.createDirectories(root.resolve("val"));
        for (String name : List.of("a.png", "b.png", "c.png", "d.png", "e.png")) {
            Files.write(images.resolve(name), ImageCodec.encodePng(W, H, new byte[W * H * 3]));
        }
        Files.createDirectories(root.resolve("annotations"));
        Files.writeString(root.resolve("annotations/instances_val.json"), ANNOTATIONS);

        DatasetLoad load = CocoReader.read(root, "val");

        assertThat(load.classes().names())
                .as("background, then the categories by id")
                .containsExactly("background", "cat", "dog");
        assertThat(load.images()).extracting(LabeledImage::id).containsExactly("a.png", "b.png", "e.png");
        LabeledImage a = load.images().get(0);
        // The cat's square covers the centres of x 0..3, y 0..3; the dog's smaller rectangle x 3..4,
        // y 1..2 is painted over it; the crowd's RLE runs down column 5 (pixels 20..23 in column
        // order), which is ignored.
        assertThat(a.mask())
                .containsExactly(rows(
                        "1 1 1 1 0 X", //
                        "1 1 1 2 2 X", //
                        "1 1 1 2 2 X", //
                        "1 1 1 1 0 X"));
        assertThat(a.labels()).as("cat and dog").containsExactly(1, 2);
        LabeledImage b = load.images().get(1);
        // "125>" decodes to the counts 1, 2, 5, 16 (the last one a delta, 14, from the count two
        // back): column 0 rows 1-2, then columns 2 to 5 whole.
        assertThat(b.mask())
                .containsExactly(rows(
                        "0 0 2 2 2 2", //
                        "2 0 2 2 2 2", //
                        "2 0 2 2 2 2", //
                        "0 0 2 2 2 2"));
        assertThat(b.labels()).containsExactly(2);
        LabeledImage e = load.images().get(2);
        assertThat(e.mask())
                .as("a crowd of cats down column 0, outlined by no annotation")
                .containsExactly(rows(
                        "X 0 0 0 0 0", //
                        "X 0 0 0 0 0", //
                        "X 0 0 0 0 0", //
                        "X 0 0 0 0 0"));
        assertThat(e.labels()).as("the cats are in the image").containsExactly(1);
        assertThat(load.problems())
                .extracting(Object::toString)
                .containsExactly(
                        "missing.png: no such file " + images.resolve("missing.png") + " (image id 3)",
                        "c.png: annotation 40: category id 99 is not among the file's categories",
                        "d.png: annotation 50: a polygon needs at least 3 points as x,y pairs; it has 4 numbers");
    }

    @Test
    void aDirectoryWithoutTheSplitsAnnotationsSaysWhatItLooked(@TempDir Path root) {
        assertThatThrownBy(() -> CocoReader.read(root, "train2017"))
                .isInstanceOf(IOException.class)
                .hasMessage("no COCO annotations " + root.resolve("annotations/instances_train2017.json"));
    }

    @Test
    void compressedCountsDecodeAsCocoApiWritesThem() {
        // 21 is 0b10101: five bits with the sign bit set, so a continuation character follows.
        assertThat(CocoReader.decodeCounts("12e0")).containsExactly(1, 2, 21);
    }

    /** A mask row by row, X for ignored pixels. */
    private static byte[] rows(String... rows) {
        byte[] out = new byte[W * H];
        int p = 0;
        for (String row : rows) {
            for (String value : row.split(" ")) {
                out[p++] = (byte) (value.equals("X") ? ClassList.IGNORE : Integer.parseInt(value));
            }
        }
        return out;
    }
}
