/**
 * Segmentation metrics (confusion matrix, mean IoU, pixel accuracy). Depends on {@code data} only.
 */
package io.seedstream.segmentation.metrics;
