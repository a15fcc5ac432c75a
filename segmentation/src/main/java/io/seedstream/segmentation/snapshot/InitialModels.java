package io.seedstream.segmentation.snapshot;

import ai.djl.ndarray.NDManager;
import io.seedstream.segmentation.config.SeedStreamConfig;
import io.seedstream.segmentation.data.ClassList;
import io.seedstream.segmentation.nn.AffinityArchitecture;
import io.seedstream.segmentation.nn.AffinityHead;
import io.seedstream.segmentation.nn.Classifier;
import io.seedstream.segmentation.nn.ClassifierArchitecture;
import io.seedstream.segmentation.nn.ModelName;
import io.seedstream.segmentation.nn.Segmenter;
import io.seedstream.segmentation.nn.SegmenterArchitecture;

/** Snapshots of freshly initialised models ({@code seed} decides the weights): untrained, but real networks at full cost. */
public final class InitialModels {

    private InitialModels() {}

    /** A FickleNet classifier. */
    public static ModelSnapshot classifier(SeedStreamConfig config, ClassList classes, long version, long seed) {
        try (NDManager manager = NDManager.newBaseManager();
                Classifier model = new Classifier(
                        ClassifierArchitecture.of(
                                config, ClassifierArchitecture.Head.FICKLENET, classes.numForeground()),
                        manager,
                        seed)) {
            return ModelSnapshot.of(ModelName.CLASSIFIER.id(), version, model, classes.names());
        }
    }

    /** A segmenter. */
    public static ModelSnapshot segmenter(SeedStreamConfig config, ClassList classes, long version, long seed) {
        try (NDManager manager = NDManager.newBaseManager();
                Segmenter model =
                        new Segmenter(SegmenterArchitecture.of(config.segmenter(), classes.size()), manager, seed)) {
            return ModelSnapshot.of(ModelName.SEGMENTER.id(), version, model, classes.names());
        }
    }

    /** An affinity head for the classifier of {@code config}. */
    public static ModelSnapshot affinity(SeedStreamConfig config, ClassList classes, long version, long seed) {
        int inputChannels = ClassifierArchitecture.of(
                        config, ClassifierArchitecture.Head.FICKLENET, classes.numForeground())
                .affinityInputChannels();
        try (NDManager manager = NDManager.newBaseManager();
                AffinityHead model = new AffinityHead(
                        new AffinityArchitecture(
                                inputChannels, config.affinity().channels()),
                        manager,
                        seed)) {
            return ModelSnapshot.of(ModelName.AFFINITY.id(), version, model, classes.names());
        }
    }
}
