package io.seedstream.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.seedstream.records.Bytes;
import io.seedstream.records.ModelSnapshotRecord;
import io.seedstream.segmentation.affinity.AffinityWalk;
import io.seedstream.segmentation.config.SeedStreamConfig;
import io.seedstream.segmentation.data.ImageCodec;
import io.seedstream.segmentation.data.LabeledImage;
import io.seedstream.segmentation.data.WorkingSize;
import io.seedstream.segmentation.localization.ImageClassMaps;
import io.seedstream.segmentation.nn.AffinityHead;
import io.seedstream.segmentation.nn.Classifier;
import io.seedstream.segmentation.snapshot.ModelSnapshot;
import io.seedstream.segmentation.train.Batches;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class InferenceTest {

    private final ServerMetrics metrics = new ServerMetrics();
    private final ServedModels models = new ServedModels(Device.cpu(), metrics);
    private Inference inference;

    @AfterEach
    void close() throws Exception {
        inference.close();
        models.close();
    }

    private Inference start(int maxBatch, int maxWaitMs) {
        inference = new Inference(
                TestModels.CONFIG.with("server.maxBatchSize", maxBatch).with("server.maxBatchWaitMs", maxWaitMs),
                models,
                metrics,
                Device.cpu());
        return inference;
    }

    /** Images of several sizes: a result handed to the wrong caller would not even have the right size. */
    private static List<ImageCodec.Rgb> images() {
        List<ImageCodec.Rgb> images = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            LabeledImage image = TestModels.DATA.image(i);
            int side = 64 + 16 * (i % 3);
            LabeledImage sized = image.resized(side, side + 8 * (i % 2));
            images.add(new ImageCodec.Rgb(sized.width(), sized.height(), sized.rgb()));
        }
        return images;
    }

    @Test
    void batchingReturnsEveryCallerItsOwnResult() {
        models.offer(TestModels.segmenter(1));
        List<ImageCodec.Rgb> images = images();
        Inference alone = start(1, 0);
        List<byte[]> expected = images.stream()
                .map(image -> alone.segment(image).join())
                .map(Inference.Segmentation::mask)
                .toList();
        inference = null;
        closeQuietly(alone);

        Inference batching = start(32, 200);
        List<CompletableFuture<Inference.Segmentation>> futures =
                images.stream().map(batching::segment).toList();
        int largestBatch = 0;
        for (int i = 0; i < images.size(); i++) {
            Inference.Segmentation result = futures.get(i).join();
            assertThat(result.width()).isEqualTo(images.get(i).width());
            assertThat(result.height()).isEqualTo(images.get(i).height());
            assertThat(agreement(result.mask(), expected.get(i)))
                    .as("image %d", i)
                    .isGreaterThan(0.999);
            largestBatch = Math.max(largestBatch, result.batchSize());
        }
        assertThat(largestBatch).isGreaterThan(1); // they really were batched
        // Same-size images differ in content, so swapped results would not agree.
        assertThat(agreement(expected.get(0), expected.get(6))).isLessThan(0.99);
    }

    @Test
    void localizationMapsComeFromTheClassifierAndNameTheirClass() {
        models.offer(TestModels.classifier(3));
        Inference inference = start(8, 5);
        ImageCodec.Rgb image = images().get(0);
        Inference.Localization cam = inference.localize(image, "cross", 0).join();
        assertThat(cam.modelVersion()).isEqualTo(3);
        assertThat(cam.map()).hasSize(cam.mapWidth() * cam.mapHeight());
        assertThat(cam.upsampled()).hasSize(image.width() * image.height());
        for (float v : cam.map()) {
            assertThat(v).isGreaterThanOrEqualTo(0f); // rectified
        }
        Inference.Localization fickle = inference.localize(image, "cross", 4).join();
        assertThat(fickle.passes()).isEqualTo(4);
        assertThat(fickle.map()).hasSize(cam.map().length);
        assertThatThrownBy(() -> inference.localize(image, "background", 0).join())
                .isInstanceOf(CompletionException.class)
                .hasCauseInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no localization map for class 'background'");
        assertThatThrownBy(() -> inference.segment(image)).isInstanceOf(Inference.NotReadyException.class);
    }

    @Test
    void localizationMapsAreWalkedAsTheLocalizationJobWalksThemOnceAnAffinityHeadIsInService() {
        ModelSnapshotRecord classifierRecord = TestModels.classifier(3);
        ModelSnapshotRecord affinityRecord = TestModels.affinity(5);
        models.offer(classifierRecord);
        Inference inference = start(8, 5);
        ImageCodec.Rgb image = images().get(1);
        Inference.Localization unwalked = inference.localize(image, "cross", 0).join();
        assertThat(unwalked.walked()).isFalse();
        assertThat(unwalked.affinityVersion()).isEqualTo(-1);

        models.offer(affinityRecord);
        Inference.Localization walked = inference.localize(image, "cross", 0).join();
        assertThat(walked.walked()).isTrue();
        assertThat(walked.affinityVersion()).isEqualTo(5);
        assertThat(walked.map()).hasSize(unwalked.map().length);

        // The same maps, computed as LocalizeFunction computes them, at the image's working size.
        SeedStreamConfig config = TestModels.CONFIG;
        LabeledImage input = WorkingSize.scale(
                new LabeledImage("request", image.width(), image.height(), image.pixels(), null, new int[0]),
                config.trainer().shortSide());
        int cross = TestModels.CLASSES.classifierIndex(TestModels.CLASSES.idOf("cross"));
        try (NDManager manager = NDManager.newBaseManager();
                Classifier classifier = (Classifier) snapshot(classifierRecord).newNetwork(manager);
                AffinityHead head = (AffinityHead) snapshot(affinityRecord).newNetwork(manager)) {
            NDArray pixels = Batches.images(manager, List.of(input));
            NDArray maps = ImageClassMaps.configured(config, 0).maps(classifier, pixels, new int[] {cross});
            assertThat(walked.map())
                    .containsExactly(
                            new AffinityWalk(config.affinity())
                                    .walked(head, classifier, pixels, maps)
                                    .toFloatArray(),
                            within(1e-5f));
            assertThat(unwalked.map()).containsExactly(maps.toFloatArray(), within(1e-5f));
        }
        assertThat(walked.map()).isNotEqualTo(unwalked.map());
    }

    @Test
    void aServerWhoseJobDoesNotWalkServesUnwalkedMaps() {
        models.offer(TestModels.classifier(3));
        models.offer(TestModels.affinity(5));
        inference = new Inference(TestModels.CONFIG.with("stream.affinityWalk", false), models, metrics, Device.cpu());
        assertThat(inference.localize(images().get(1), "cross", 0).join().walked())
                .isFalse();
    }

    private static ModelSnapshot snapshot(ModelSnapshotRecord record) {
        return ModelSnapshot.fromBytes(Bytes.toArray(record.getParameters()));
    }

    private static double agreement(byte[] a, byte[] b) {
        int same = 0;
        for (int i = 0; i < a.length; i++) {
            same += a[i] == b[i] ? 1 : 0;
        }
        return (double) same / a.length;
    }

    private static void closeQuietly(Inference inference) {
        try {
            inference.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
