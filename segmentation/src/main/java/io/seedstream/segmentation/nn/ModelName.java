package io.seedstream.segmentation.nn;

import java.util.Arrays;
import java.util.Optional;

/**
 * The three models SeedStream trains and serves, each under one name: the key of its records on the
 * models topic, the kind in its snapshot's architecture, and its path on the model server.
 */
public enum ModelName {
    CLASSIFIER("classifier"),
    SEGMENTER("segmenter"),
    AFFINITY("affinity");

    private final String id;

    ModelName(String id) {
        this.id = id;
    }

    /** The name as it is written: in records, snapshots and URLs. */
    public String id() {
        return id;
    }

    /** The model of a written name; empty for a name SeedStream does not know. */
    public static Optional<ModelName> of(String id) {
        return Arrays.stream(values()).filter(name -> name.id.equals(id)).findFirst();
    }
}
