/**
 * From maps to training labels: confident seeds (DSRG's seed cues), the label CRF, and seeded
 * region growing. Depends on {@code config} only.
 */
package io.seedstream.segmentation.seeds;
