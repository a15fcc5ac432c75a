package io.seedstream.flink.common;

/**
 * A record a stage refused, on its way to the dead-letter topic: which stage, why, and the
 * message as received (so nothing is lost and it can be fixed and replayed).
 */
public record RejectedRecord(
        String stage, String reason, String sourceTopic, byte[] key, byte[] original, long timestampMs) {

    public static RejectedRecord of(String stage, String reason, RawMessage message) {
        return new RejectedRecord(
                stage, reason, message.topic(), message.key(), message.value(), message.timestampMs());
    }
}
