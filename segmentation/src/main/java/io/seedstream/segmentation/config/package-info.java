/**
 * {@link io.seedstream.segmentation.config.SeedStreamConfig}: the one typed configuration. Each
 * setting is declared once on its record component ({@link io.seedstream.segmentation.config.Setting}:
 * default, documentation, allowed values); {@link io.seedstream.segmentation.config.SettingCatalog}
 * reads those declarations to build the defaults, check values and list the settings. Depends on
 * nothing else of SeedStream.
 */
package io.seedstream.segmentation.config;
