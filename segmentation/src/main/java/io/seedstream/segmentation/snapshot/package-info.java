/**
 * {@link io.seedstream.segmentation.snapshot.ModelSnapshot}: a model's weights with its
 * architecture, classes and checksum, the unit that travels on the models topic; and snapshots of
 * freshly initialised models. Depends on {@code nn}, {@code data} and {@code config}.
 */
package io.seedstream.segmentation.snapshot;
