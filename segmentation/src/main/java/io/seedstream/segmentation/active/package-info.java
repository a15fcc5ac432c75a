/**
 * Choosing which images people should label next: per-image uncertainty from the live classifier
 * and segmenter ({@link io.seedstream.segmentation.active.Uncertainty}, {@link
 * io.seedstream.segmentation.active.ImageScorer}), thumbnails for the labeling page, and the
 * selection rule. Depends on the core's {@code config}, {@code data}, {@code nn}, {@code
 * localization} and {@code train} packages only.
 */
package io.seedstream.segmentation.active;
