/**
 * Images and labels: {@link io.seedstream.segmentation.data.LabeledImage}, class lists, PNG coding
 * and checks, the synthetic data set and the folder, VOC and CamVid readers. Plain Java (no DJL),
 * so the records module can use it. Depends on {@code config} only.
 */
package io.seedstream.segmentation.data;
