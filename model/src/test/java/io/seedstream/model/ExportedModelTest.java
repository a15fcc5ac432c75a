package io.seedstream.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.inference.Predictor;
import ai.djl.modality.cv.Image;
import ai.djl.modality.cv.ImageFactory;
import ai.djl.modality.cv.output.CategoryMask;
import ai.djl.ndarray.NDManager;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ZooModel;
import io.seedstream.segmentation.config.SeedStreamConfig;
import io.seedstream.segmentation.data.LabeledImage;
import io.seedstream.segmentation.data.SyntheticDataset;
import io.seedstream.segmentation.data.WorkingSize;
import io.seedstream.segmentation.nn.Autograd;
import io.seedstream.segmentation.nn.SegmentationMasks;
import io.seedstream.segmentation.nn.Segmenter;
import io.seedstream.segmentation.snapshot.InitialModels;
import io.seedstream.segmentation.snapshot.ModelSnapshot;
import io.seedstream.segmentation.train.Batches;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExportedModelTest {

    private static final SeedStreamConfig CONFIG = SeedStreamConfig.defaults();
    private static final SyntheticDataset DATA = new SyntheticDataset(CONFIG.synthetic());

    @TempDir
    Path dir;

    /**
     * Exported, then loaded by DJL's model loader from the directory alone: a 70 x 50 photo gets a
     * 70 x 50 mask, pixel for pixel the one the core computes as the server does (at its working
     * size, 134 x 96).
     */
    @Test
    void djlLoadsTheExportedSegmenterAndSegmentsAsTheServerDoes() throws Exception {
        ModelSnapshot segmenter = InitialModels.segmenter(CONFIG, DATA.classes(), 3, 42);
        ExportedModel.write(ExportedModel.files(segmenter, 96), dir);
        LabeledImage photo = DATA.image(5).resized(70, 50);
        assertSegmentsAsTheServer(segmenter, photo, WorkingSize.of(70, 50, 96));
    }

    /**
     * A directory exported before the working resolution names a fixed input size (width, height):
     * it still loads, and images go in at that size as they did then.
     */
    @Test
    void aDirectoryExportedWithAFixedInputSizeStillSegments() throws Exception {
        ModelSnapshot segmenter = InitialModels.segmenter(CONFIG, DATA.classes(), 3, 42);
        ExportedModel.write(ExportedModel.files(segmenter, 96), dir);
        Path properties = dir.resolve(ExportedModel.PROPERTIES_FILE);
        String current = Files.readString(properties);
        assertThat(current).contains("shortSide=96\n");
        Files.writeString(properties, current.replace("shortSide=96\n", "width=96\nheight=96\n"));
        assertSegmentsAsTheServer(segmenter, DATA.image(5).resized(70, 50), new WorkingSize(96, 96));
    }

    private void assertSegmentsAsTheServer(ModelSnapshot segmenter, LabeledImage photo, WorkingSize input)
            throws Exception {
        Criteria<Image, CategoryMask> criteria = Criteria.builder()
                .setTypes(Image.class, CategoryMask.class)
                .optModelPath(dir)
                .optTranslatorFactory(new SegmentationTranslatorFactory())
                .build();
        CategoryMask mask;
        try (ZooModel<Image, CategoryMask> model = criteria.loadModel();
                Predictor<Image, CategoryMask> predictor = model.newPredictor()) {
            mask = predictor.predict(ImageFactory.getInstance().fromImage(toBufferedImage(photo)));
        }

        assertThat(mask.getClasses()).isEqualTo(segmenter.classes());
        assertThat(mask.getMask()).hasNumberOfRows(50);
        assertThat(mask.getMask()[0]).hasSize(70);
        byte[] expected = serversMask(segmenter, photo, input);
        Set<Integer> classesSeen = new HashSet<>();
        for (int i = 0; i < expected.length; i++) {
            assertThat(mask.getMask()[i / 70][i % 70]).as("pixel %d", i).isEqualTo(expected[i] & 0xFF);
            classesSeen.add(expected[i] & 0xFF);
        }
        assertThat(classesSeen).as("a mask of one class would compare nothing").hasSizeGreaterThan(1);
    }

    @Test
    void onlyASegmenterIsExportedAndADirectoryWithoutItsWeightsIsRefusedWithTheReason() throws Exception {
        ModelSnapshot classifier = InitialModels.classifier(CONFIG, DATA.classes(), 2, 1);
        assertThatThrownBy(() -> ExportedModel.files(classifier, 96))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("only a segmenter can be exported; classifier v2 is a classifier");

        ExportedModel.write(ExportedModel.files(InitialModels.segmenter(CONFIG, DATA.classes(), 1, 1), 96), dir);
        Files.delete(dir.resolve(ExportedModel.SNAPSHOT_FILE));
        Criteria<Image, CategoryMask> criteria = Criteria.builder()
                .setTypes(Image.class, CategoryMask.class)
                .optModelPath(dir)
                .optTranslatorFactory(new SegmentationTranslatorFactory())
                .build();
        assertThatThrownBy(criteria::loadModel)
                .hasMessageContaining("not an exported SeedStream segmenter")
                .hasMessageContaining(ExportedModel.SNAPSHOT_FILE);
    }

    /** The model server's computation (Inference): resize, logits, upsample, argmax. */
    private static byte[] serversMask(ModelSnapshot snapshot, LabeledImage photo, WorkingSize size) {
        try (NDManager manager = NDManager.newBaseManager();
                Segmenter segmenter = (Segmenter) snapshot.newNetwork(manager);
                Autograd.Recording off = Autograd.pause()) {
            LabeledImage input = SegmentationMasks.input(photo.width(), photo.height(), photo.rgb(), size);
            return SegmentationMasks.mask(
                    segmenter
                            .logits(Batches.images(manager, List.of(input)), false)
                            .get(0),
                    photo.width(),
                    photo.height());
        }
    }

    private static BufferedImage toBufferedImage(LabeledImage image) {
        BufferedImage buffered = new BufferedImage(image.width(), image.height(), BufferedImage.TYPE_INT_RGB);
        byte[] rgb = image.rgb();
        for (int p = 0; p < image.width() * image.height(); p++) {
            int pixel = (rgb[3 * p] & 0xFF) << 16 | (rgb[3 * p + 1] & 0xFF) << 8 | (rgb[3 * p + 2] & 0xFF);
            buffered.setRGB(p % image.width(), p / image.width(), pixel);
        }
        return buffered;
    }
}
