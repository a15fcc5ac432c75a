/**
 * A SeedStream segmenter outside SeedStream. {@link io.seedstream.model.ExportedModel} writes a DJL
 * model directory; plain DJL code loads it with {@code Criteria} given the directory and
 * {@link io.seedstream.model.SegmentationTranslatorFactory}; the loader finds
 * {@link io.seedstream.model.SegmenterBlockFactory} through the directory's
 * {@code serving.properties}. Depends on the core and DJL only.
 */
package io.seedstream.model;
