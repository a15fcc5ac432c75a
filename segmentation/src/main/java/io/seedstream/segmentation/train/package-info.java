/**
 * Training: the classifier, segmenter and affinity trainers, Adam, batches, weight averaging, the
 * serving gate, and the {@link io.seedstream.segmentation.train.StreamingTrainer} that schedules
 * them on a stream and saves its state in a versioned format. Depends on every other core package
 * but {@code active}.
 */
package io.seedstream.segmentation.train;
