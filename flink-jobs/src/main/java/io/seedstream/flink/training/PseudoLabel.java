package io.seedstream.flink.training;

/** A seed record's pseudo-label for the trainer: class id per pixel, row-major, 255 = unlabeled. */
public record PseudoLabel(String imageId, int width, int height, byte[] labels) {}
