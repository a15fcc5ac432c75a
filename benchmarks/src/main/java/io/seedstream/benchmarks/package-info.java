/**
 * Every {@code ./seedstream bench}: localization, segmentation, trainer, active learning, pipeline
 * and server, with their tables, JSON, plots and progress ({@link
 * io.seedstream.benchmarks.BenchCommand}). The top of the module graph: it may depend on every
 * other module, and none depends on it.
 */
package io.seedstream.benchmarks;
