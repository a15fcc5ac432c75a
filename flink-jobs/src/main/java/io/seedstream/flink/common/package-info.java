/**
 * The plumbing the three jobs share: Kafka sources and exactly-once sinks ({@link
 * io.seedstream.flink.common.KafkaWiring}), validation and dead letters ({@link
 * io.seedstream.flink.common.IngestStage}), the models broadcast ({@link
 * io.seedstream.flink.common.LiveModels}, {@link io.seedstream.flink.common.ModelRecords}), the
 * wait for the first classifier ({@link io.seedstream.flink.common.WaitingImages}), and each task's
 * device. Depends on the core and records only.
 */
package io.seedstream.flink.common;
