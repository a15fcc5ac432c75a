package io.seedstream.flink.common;

import io.seedstream.records.Topics;
import io.seedstream.records.kafka.KafkaConnection;
import java.io.Serializable;

/**
 * Where a job reads and writes: the Kafka cluster (with its client properties) and the topic names. {@code bounded} stops the
 * sources at the offsets current at start (tests, replays); otherwise they follow the topics.
 */
public record KafkaSettings(KafkaConnection kafka, Topics topics, boolean bounded) implements Serializable {}
