package io.seedstream.records;

import java.nio.ByteBuffer;

/** Avro hands {@code bytes} fields out as buffers; this copies one out without moving its position. */
public final class Bytes {

    private Bytes() {}

    public static byte[] toArray(ByteBuffer buffer) {
        ByteBuffer view = buffer.duplicate();
        byte[] bytes = new byte[view.remaining()];
        view.get(bytes);
        return bytes;
    }
}
