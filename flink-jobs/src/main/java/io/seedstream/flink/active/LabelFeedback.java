package io.seedstream.flink.active;

/** An image that arrived on images.labeled: its id (a request's id is its image's) and class ids. */
public record LabelFeedback(String imageId, int[] classIds) {}
