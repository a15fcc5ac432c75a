package io.seedstream.flink.common;

/** A record ready for a topic: its key and its encoded value. */
public record EncodedRecord(String key, byte[] value) {}
