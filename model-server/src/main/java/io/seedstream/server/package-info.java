/**
 * The model server: models hot-swapped from the models topic, batched inference, uploads, the live
 * and labeling pages, metrics, and its own {@code main} ({@link
 * io.seedstream.server.ServeCommand}). Depends on the core and records, never on Flink or the jobs.
 */
package io.seedstream.server;
