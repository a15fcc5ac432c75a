/**
 * {@link io.seedstream.segmentation.config.SeedStreamConfig}: the one typed configuration, with the
 * papers' defaults and the validation of every setting. Depends on nothing else of SeedStream.
 */
package io.seedstream.segmentation.config;
