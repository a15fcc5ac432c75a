/**
 * The networks on DJL: backbone, classifier (FickleNet head), segmenter, affinity head, their
 * architectures, and the DJL helpers (autograd, devices, ops, the CPU convolution check). Depends
 * on {@code config} only.
 */
package io.seedstream.segmentation.nn;
