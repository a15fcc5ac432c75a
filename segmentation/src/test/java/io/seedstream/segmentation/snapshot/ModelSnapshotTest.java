package io.seedstream.segmentation.snapshot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDManager;
import io.seedstream.segmentation.nn.Classifier;
import io.seedstream.segmentation.nn.ClassifierArchitecture;
import io.seedstream.segmentation.nn.Segmenter;
import io.seedstream.segmentation.nn.SegmenterArchitecture;
import java.util.List;
import org.junit.jupiter.api.Test;

class ModelSnapshotTest {

    private static final ClassifierArchitecture ARCH = new ClassifierArchitecture(
            ClassifierArchitecture.Head.FICKLENET, 2, List.of(4, 6), List.of(2, 1), List.of(1, 2), 3);

    @Test
    void roundTripRestoresEveryParameter() {
        try (NDManager manager = NDManager.newBaseManager();
                Classifier trained = new Classifier(ARCH, manager, 1);
                Classifier fresh = new Classifier(ARCH, manager, 2)) {
            ModelSnapshot snapshot = ModelSnapshot.of("classifier", 7, trained, List.of("background", "a", "b"));
            ModelSnapshot read = ModelSnapshot.fromBytes(snapshot.toBytes());
            assertThat(read.name()).isEqualTo("classifier");
            assertThat(read.version()).isEqualTo(7);
            assertThat(read.architecture()).isEqualTo(ARCH);
            assertThat(read.classes()).containsExactly("background", "a", "b");
            assertThat(read.sha256()).isEqualTo(snapshot.sha256()).hasSize(64);

            assertThat(fresh.parameters().all().get("head.weight").toFloatArray())
                    .isNotEqualTo(trained.parameters().all().get("head.weight").toFloatArray());
            read.loadInto(fresh);
            trained.parameters()
                    .all()
                    .forEach((name, array) -> assertThat(
                                    fresh.parameters().all().get(name).toFloatArray())
                            .as(name)
                            .containsExactly(array.toFloatArray()));
        }
    }

    @Test
    void aSegmenterRoundTripsAndNeverLoadsIntoAClassifier() {
        SegmenterArchitecture arch =
                new SegmenterArchitecture(3, List.of(4, 6), List.of(2, 1), List.of(1, 2), List.of(1, 2));
        try (NDManager manager = NDManager.newBaseManager();
                Segmenter trained = new Segmenter(arch, manager, 1);
                Segmenter fresh = new Segmenter(arch, manager, 2);
                Classifier classifier = new Classifier(ARCH, manager, 1)) {
            ModelSnapshot read =
                    ModelSnapshot.fromBytes(ModelSnapshot.of("segmenter", 3, trained, List.of("bg", "a", "b"))
                            .toBytes());
            assertThat(read.architecture()).isEqualTo(arch);
            read.loadInto(fresh);
            trained.parameters()
                    .all()
                    .forEach((name, array) -> assertThat(
                                    fresh.parameters().all().get(name).toFloatArray())
                            .as(name)
                            .containsExactly(array.toFloatArray()));
            assertThatThrownBy(() -> read.loadInto(classifier))
                    .isInstanceOf(ModelSnapshot.InvalidSnapshotException.class)
                    .hasMessageContaining("architecture");
        }
    }

    @Test
    void aCorruptedParameterByteFailsTheChecksum() {
        try (NDManager manager = NDManager.newBaseManager();
                Classifier model = new Classifier(ARCH, manager, 1)) {
            byte[] bytes =
                    ModelSnapshot.of("classifier", 1, model, List.of("a", "b")).toBytes();
            bytes[bytes.length - 3] ^= 0x10;
            assertThatThrownBy(() -> ModelSnapshot.fromBytes(bytes))
                    .isInstanceOf(ModelSnapshot.InvalidSnapshotException.class)
                    .hasMessageContaining("checksum mismatch");
        }
    }

    @Test
    void anotherArchitectureIsRefusedWithBothNamed() {
        ClassifierArchitecture other = new ClassifierArchitecture(
                ClassifierArchitecture.Head.GAP, 2, List.of(4, 6), List.of(2, 1), List.of(1, 2), 3);
        try (NDManager manager = NDManager.newBaseManager();
                Classifier model = new Classifier(ARCH, manager, 1);
                Classifier gap = new Classifier(other, manager, 1)) {
            ModelSnapshot snapshot = ModelSnapshot.fromBytes(
                    ModelSnapshot.of("classifier", 1, model, List.of("a", "b")).toBytes());
            assertThatThrownBy(() -> snapshot.loadInto(gap))
                    .isInstanceOf(ModelSnapshot.InvalidSnapshotException.class)
                    .hasMessageContaining("FICKLENET")
                    .hasMessageContaining("GAP");
        }
    }

    @Test
    void bytesThatAreNoSnapshotAreRefused() {
        assertThatThrownBy(() -> ModelSnapshot.fromBytes("hello, world".getBytes()))
                .isInstanceOf(ModelSnapshot.InvalidSnapshotException.class)
                .hasMessageContaining("bad magic");
        assertThatThrownBy(() -> ModelSnapshot.fromBytes(new byte[3]))
                .isInstanceOf(ModelSnapshot.InvalidSnapshotException.class);
    }
}
