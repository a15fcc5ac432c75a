package io.seedstream.flink.localization;

/** What one image teaches the class memory about one class: the features of the pixels the class claims. */
public record ClassFeatures(int classId, String imageId, float[][] rows) {}
