/**
 * Class localization maps: CAM and Grad-CAM, FickleNet's stochastic maps (the factorized head,
 * feature-map expansion, centre-preserving dropout), multi-scale and flipped views, and map
 * aggregation. Depends on {@code config} and {@code nn}.
 */
package io.seedstream.segmentation.localization;
