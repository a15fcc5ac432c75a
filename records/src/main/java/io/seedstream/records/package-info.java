/**
 * What travels on the topics: the Avro records generated from {@code src/main/avro}, their
 * single-object codec ({@link io.seedstream.records.RecordCodec}), topic names, images as records,
 * and the command-line options every entry point shares. Depends on the core's plain data types
 * ({@code segmentation.data}, {@code segmentation.config}), never on DJL or a broker.
 */
package io.seedstream.records;
