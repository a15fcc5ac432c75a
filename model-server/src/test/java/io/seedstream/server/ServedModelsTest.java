package io.seedstream.server;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.seedstream.records.ModelSnapshotRecord;
import io.seedstream.segmentation.nn.ModelName;
import io.seedstream.segmentation.nn.Segmenter;
import io.seedstream.segmentation.train.Batches;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ServedModelsTest {

    private final ServerMetrics metrics = new ServerMetrics();
    private final ServedModels models = new ServedModels(Device.cpu(), metrics);

    @AfterEach
    void close() {
        models.close();
    }

    @Test
    void servesNewerVersionsOnlyAndRefusesBadSnapshotsKeepingTheServedOne() {
        assertThat(models.ready()).isFalse();
        assertThat(models.offer(TestModels.segmenter(2))).isEqualTo(ServedModels.Outcome.SERVING);
        assertThat(models.ready()).isTrue();
        assertThat(models.offer(TestModels.segmenter(1))).isEqualTo(ServedModels.Outcome.OLDER_THAN_SERVED);
        assertThat(models.offer(TestModels.corrupted(TestModels.segmenter(3)))).isEqualTo(ServedModels.Outcome.REFUSED);
        assertThat(models.offer(TestModels.unknownArchitecture(TestModels.segmenter(4))))
                .isEqualTo(ServedModels.Outcome.REFUSED);
        // A classifier published under the segmenter's name.
        var misnamed = ModelSnapshotRecord.newBuilder(TestModels.classifier(5))
                .setName("segmenter")
                .build();
        assertThat(models.offer(misnamed)).isEqualTo(ServedModels.Outcome.REFUSED);
        assertThat(models.servingVersion(ModelName.SEGMENTER.id())).isEqualTo(2);
        assertThat(metrics.scrape())
                .contains("seedstream_server_model_refusals_total 3.0")
                .contains("seedstream_server_model_version{model=\"segmenter\"} 2.0");
        // The refused versions were published, so they are in the history; the older one too.
        assertThat(models.history())
                .extracting(ServedModels.Version::version)
                .containsExactlyInAnyOrder(2L, 1L, 3L, 4L, 5L);
    }

    @Test
    void aLeasedModelStaysUsableAfterItIsReplacedAndIsFreedWithItsLastLease() {
        models.offer(TestModels.segmenter(1));
        ServedModels.Lease<Segmenter> old =
                models.lease(ModelName.SEGMENTER.id(), Segmenter.class).orElseThrow();
        models.offer(TestModels.segmenter(2));
        try (ServedModels.Lease<Segmenter> current =
                models.lease(ModelName.SEGMENTER.id(), Segmenter.class).orElseThrow()) {
            assertThat(current.version()).isEqualTo(2);
            assertThat(old.version()).isEqualTo(1);
            float[] before = logits(old.network());
            assertThat(before).isNotEqualTo(logits(current.network())); // two different models
            assertThat(logits(old.network())).containsExactly(before); // the replaced one still computes
        }
        old.close();
        assertThat(old.network().parameters().all().values().iterator().next().isReleased())
                .isTrue();
    }

    private static float[] logits(Segmenter segmenter) {
        try (NDManager scope = NDManager.newBaseManager(Device.cpu())) {
            NDArray images = Batches.images(scope, List.of(TestModels.DATA.image(0)));
            return segmenter.logits(images, false).toFloatArray();
        }
    }
}
