/**
 * Plain Kafka clients: producer and consumer settings, topic set-up, and {@link
 * io.seedstream.records.kafka.ImageStreamer}, the producer of labeled images. No Flink, no broker.
 */
package io.seedstream.records.kafka;
