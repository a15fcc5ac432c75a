/**
 * {@link io.seedstream.segmentation.snapshot.ModelSnapshot}: a model's weights with its
 * architecture, classes and checksum, the unit that travels on the models topic; and snapshots of
 * freshly initialised models. Depends on {@code nn} and {@code train} (for the model names).
 */
package io.seedstream.segmentation.snapshot;
