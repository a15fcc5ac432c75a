/**
 * The networks on DJL and their names ({@link io.seedstream.segmentation.nn.ModelName}): backbone,
 * classifier (FickleNet head), segmenter, affinity head, their architectures, and the DJL helpers
 * (autograd, devices, ops, the CPU convolution check). Depends on {@code config} only.
 */
package io.seedstream.segmentation.nn;
