/**
 * Training: the classifier, segmenter and affinity trainers, Adam, batches, weight averaging, and
 * the {@link io.seedstream.segmentation.train.StreamingTrainer} that schedules them on a stream. Each
 * model is a {@code ModelLearner}: its samples in a {@code ReplayBuffer}, its publication through
 * the {@link io.seedstream.segmentation.train.ServingGate}, its roll-back. The trainer hands scoring
 * to {@link io.seedstream.segmentation.train.HeldOutEvaluator} and its saved state's byte format
 * (versioned; every earlier version is read) to {@code TrainerStateFormat}. Depends on every other
 * core package but {@code active} and {@code memory}.
 */
package io.seedstream.segmentation.train;
