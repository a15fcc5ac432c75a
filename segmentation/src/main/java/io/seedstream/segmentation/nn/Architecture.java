package io.seedstream.segmentation.nn;

/** Everything that fixes a network's parameter shapes; snapshots store it to load weights only into their own network. */
public sealed interface Architecture permits ClassifierArchitecture, SegmenterArchitecture, AffinityArchitecture {

    /** Which network this shape belongs to: a {@link ModelName}'s id. */
    String kind();
}
