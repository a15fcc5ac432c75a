/**
 * MCIBI's dataset-level class memory ({@link io.seedstream.segmentation.memory.ClassMemory}) and
 * the context it adds to an image's features. Depends on {@code config} and {@code nn}.
 */
package io.seedstream.segmentation.memory;
