package io.seedstream.flink.common;

/** A Kafka message as received, before anything is decoded: what a dead letter needs to point back at it. */
public record RawMessage(String topic, int partition, long offset, byte[] key, byte[] value, long timestampMs) {

    /** Where it came from, for reasons and logs: topic-partition@offset. */
    public String position() {
        return topic + "-" + partition + "@" + offset;
    }
}
