package io.seedstream.segmentation.nn;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/** For tests of code that must not read native memory after it was freed. */
public final class FreedMemory {

    private FreedMemory() {}

    /**
     * What frees and reuses the memory of a tensor DJL made over a Java buffer and closed: a
     * collection (which frees the buffers nothing references), then new native buffers filled with
     * 0xFF bytes (NaN as floats), freed in turn by the next collection.
     */
    public static void collectAndReuse() {
        System.gc();
        List<ByteBuffer> buffers = new ArrayList<>();
        for (int i = 0; i < 64; i++) {
            ByteBuffer buffer = ByteBuffer.allocateDirect(4096 << (i % 8));
            while (buffer.hasRemaining()) {
                buffer.put((byte) 0xFF);
            }
            buffers.add(buffer);
        }
    }
}
