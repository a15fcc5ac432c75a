/**
 * Training: the classifier, segmenter and affinity trainers, Adam, batches, weight averaging, and
 * the {@link io.seedstream.segmentation.train.StreamingTrainer} that schedules them on a stream. Each
 * model is a {@code ModelLearner} (its samples in a {@code ReplayBuffer}, its publication and
 * roll-back); the trainer hands scoring to
 * {@link io.seedstream.segmentation.train.HeldOutEvaluator}, the decision to serve a version to
 * {@link io.seedstream.segmentation.train.ServingGate}, and its saved state's byte format
 * (versioned; every earlier version is read) to {@code TrainerStateFormat}. Depends on every other
 * core package but {@code active} and {@code memory}.
 */
package io.seedstream.segmentation.train;
