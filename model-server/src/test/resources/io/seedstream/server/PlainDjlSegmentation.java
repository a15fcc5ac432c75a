// Run by ExportedModelCheck as a single-file program, on a class path of DJL, the core and
// seedstream-model only: what a user's own code does with an exported segmenter.
import ai.djl.inference.Predictor;
import ai.djl.modality.cv.Image;
import ai.djl.modality.cv.ImageFactory;
import ai.djl.modality.cv.output.CategoryMask;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ZooModel;
import io.seedstream.model.SegmentationTranslatorFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

public class PlainDjlSegmentation {
    /** Arguments: the model directory, an image file, where to write the mask (one byte a pixel, row-major). */
    public static void main(String[] args) throws Exception {
        for (String absent : List.of("org.apache.kafka.clients.producer.KafkaProducer", "org.apache.flink.api.common.JobID",
                "io.javalin.Javalin")) {
            try {
                Class.forName(absent);
                throw new IllegalStateException(absent + " is on the class path");
            } catch (ClassNotFoundException expected) {
                // as it should be
            }
        }
        Criteria<Image, CategoryMask> criteria = Criteria.builder()
                .setTypes(Image.class, CategoryMask.class)
                .optModelPath(Path.of(args[0]))
                .optTranslatorFactory(new SegmentationTranslatorFactory())
                .build();
        try (ZooModel<Image, CategoryMask> model = criteria.loadModel();
                Predictor<Image, CategoryMask> predictor = model.newPredictor()) {
            int[][] mask = predictor.predict(ImageFactory.getInstance().fromFile(Path.of(args[1]))).getMask();
            byte[] out = new byte[mask.length * mask[0].length];
            for (int y = 0; y < mask.length; y++) {
                for (int x = 0; x < mask[0].length; x++) {
                    out[y * mask[0].length + x] = (byte) mask[y][x];
                }
            }
            Files.write(Path.of(args[2]), out);
        }
    }
}
