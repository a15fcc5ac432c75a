package io.seedstream.records;

import io.seedstream.segmentation.config.SeedStreamConfig;
import java.util.List;

/**
 * The topic names, all under one configurable prefix ({@code stream.topicPrefix}) so several
 * deployments can share a Kafka cluster.
 */
public record Topics(String prefix) {

    public Topics {
        if (prefix == null || !prefix.matches("[a-zA-Z0-9._-]*")) {
            throw new IllegalArgumentException(
                    "a topic prefix may only hold letters, digits, '.', '_' and '-': " + prefix);
        }
    }

    /** Under the configuration's prefix, {@code stream.topicPrefix}. */
    public static Topics configured(SeedStreamConfig config) {
        return new Topics(config.stream().topicPrefix());
    }

    /** Images with their weak labels (and sometimes a mask): the system's input. */
    public String labeledImages() {
        return prefix + "images.labeled";
    }

    /** Images without labels, for the active-learning selector. */
    public String unlabeledImages() {
        return prefix + "images.unlabeled";
    }

    /** Images with masks that nothing trains on: the model server scores every model version on them. */
    public String heldOutImages() {
        return prefix + "images.heldout";
    }

    public String seeds() {
        return prefix + "seeds";
    }

    /** Log-compacted, keyed by model name: the newest classifier and segmenter. */
    public String models() {
        return prefix + "models";
    }

    public String labelRequests() {
        return prefix + "label-requests";
    }

    public String deadLetters() {
        return prefix + "dead-letters";
    }

    /** Every topic of the pipeline. */
    public List<String> all() {
        return List.of(
                labeledImages(), unlabeledImages(), heldOutImages(), seeds(), models(), labelRequests(), deadLetters());
    }
}
