package io.seedstream.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.seedstream.cli.local.LocalPipeline;
import io.seedstream.segmentation.config.SeedStreamConfig;
import io.seedstream.segmentation.data.ImageCodec;
import io.seedstream.segmentation.data.LabeledImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** What the demo holds out: the data set's validation split when it has one, else a share of the streamed masked images. */
class DemoHeldOutTest {

    @TempDir
    Path camVid;

    @Test
    void aCamVidDemoHoldsOutTheValidationSplitAndStreamsAllOfTrain() throws Exception {
        write("train", 6);
        write("val", 4);
        LocalPipeline.Images images = split("--camvid", camVid.toString(), "--held-out", "3", "--labeled-share", "0.5");
        assertThat(images.heldOut())
                .extracting(LabeledImage::id)
                .containsExactly("val-0.png", "val-1.png", "val-2.png");
        assertThat(images.heldOut()).allMatch(LabeledImage::hasMask);
        assertThat(images.labeled())
                .extracting(LabeledImage::id)
                .containsExactly("train-0.png", "train-1.png", "train-2.png");
        assertThat(images.pool())
                .extracting(LabeledImage::id)
                .containsExactly("train-3.png", "train-4.png", "train-5.png");
    }

    @Test
    void withoutAValidationSplitAQuarterOfTheStreamedMaskedImagesIsHeldOut() throws Exception {
        write("train", 8);
        for (String[] args : new String[][] {
            {"--camvid", camVid.toString(), "--held-out", "5", "--labeled-share", "1"},
            {"--camvid", camVid.toString(), "--held-out", "5", "--labeled-share", "1", "--held-out-split", "train"}
        }) {
            LocalPipeline.Images images = split(args);
            assertThat(images.heldOut())
                    .extracting(LabeledImage::id)
                    .containsExactly("train-0.png", "train-1.png"); // 8 masked / 4
            assertThat(images.labeled())
                    .hasSize(6)
                    .noneMatch(image ->
                            image.id().equals("train-0.png") || image.id().equals("train-1.png"));
        }
    }

    @Test
    void aCocoDemoTakesItsClassesFromTheCategoriesAndHoldsOutTheValidationSplit(@TempDir Path coco) throws Exception {
        for (String split : new String[] {"train", "val"}) {
            Files.createDirectories(coco.resolve(split));
            Files.createDirectories(coco.resolve("annotations"));
            StringBuilder images = new StringBuilder();
            StringBuilder annotations = new StringBuilder();
            for (int i = 0; i < 2; i++) {
                String name = split + "-" + i + ".png";
                Files.write(coco.resolve(split).resolve(name), ImageCodec.encodePng(8, 8, new byte[64 * 3]));
                images.append(i == 0 ? "" : ",")
                        .append("{\"id\": ")
                        .append(i)
                        .append(", \"file_name\": \"")
                        .append(name)
                        .append("\"}");
                annotations
                        .append(i == 0 ? "" : ",")
                        .append("{\"id\": ")
                        .append(i)
                        .append(", \"image_id\": ")
                        .append(i)
                        .append(", \"category_id\": 18, \"segmentation\": [[0, 0, 4, 0, 4, 4]]}");
            }
            Files.writeString(
                    coco.resolve("annotations/instances_" + split + ".json"),
                    "{\"categories\": [{\"id\": 18, \"name\": \"dog\"}], \"images\": [" + images
                            + "], \"annotations\": [" + annotations + "]}");
        }
        PipelineCommands.Demo demo = new PipelineCommands.Demo();
        new CommandLine(demo).parseArgs("--coco", coco.toString(), "--held-out", "2", "--labeled-share", "1");
        var load = demo.dataset.load(SeedStreamConfig.defaults());
        assertThat(load.classes().names()).containsExactly("background", "dog");
        LocalPipeline.Images images = demo.split(load, demo.dataset.loadHeldOutSplit());
        assertThat(images.heldOut()).extracting(LabeledImage::id).containsExactly("val-0.png", "val-1.png");
        assertThat(images.labeled()).extracting(LabeledImage::id).containsExactly("train-0.png", "train-1.png");
        assertThat(images.labeled().get(0).labels()).containsExactly(1);
    }

    private static LocalPipeline.Images split(String... args) throws Exception {
        PipelineCommands.Demo demo = new PipelineCommands.Demo();
        new CommandLine(demo).parseArgs(args);
        return demo.split(demo.dataset.load(SeedStreamConfig.defaults()), demo.dataset.loadHeldOutSplit());
    }

    /** CamVid's layout: 8 x 8 photos and masks of road (class 3) and sky (class 0), named split-i.png. */
    private void write(String split, int count) throws Exception {
        Files.createDirectories(camVid.resolve(split));
        Files.createDirectories(camVid.resolve(split + "annot"));
        for (int i = 0; i < count; i++) {
            byte[] mask = new byte[64];
            Arrays.fill(mask, 32, 64, (byte) 3);
            byte[] rgb = new byte[64 * 3];
            Arrays.fill(rgb, (byte) (20 * i));
            Files.write(camVid.resolve(split).resolve(split + "-" + i + ".png"), ImageCodec.encodePng(8, 8, rgb));
            Files.write(
                    camVid.resolve(split + "annot").resolve(split + "-" + i + ".png"),
                    ImageCodec.encodeMask(8, 8, mask));
        }
    }
}
