package io.seedstream.records.kafka;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The image ids a producer has delivered (the broker acknowledged them), optionally kept in a file of
 * one id per line, so that a producer started again skips what the last one delivered. An id is
 * added from the send's acknowledgement, so an image lost with a stopped producer is sent again.
 */
public final class DeliveredIds implements AutoCloseable {

    private final Set<String> ids = ConcurrentHashMap.newKeySet();
    private final BufferedWriter file; // null: kept in memory only

    private DeliveredIds(BufferedWriter file) {
        this.file = file;
    }

    /** Kept in memory only: every start sends everything. */
    public static DeliveredIds inMemory() {
        return new DeliveredIds(null);
    }

    /** Kept in {@code file}, whose ids (from earlier runs) count as delivered; created if missing. */
    public static DeliveredIds kept(Path file) throws IOException {
        String earlier = Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
        int whole = earlier.lastIndexOf('\n') + 1; // after it, a line cut short by a crash: not an id, and dropped
        if (whole < earlier.length()) {
            try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
                channel.truncate(earlier.substring(0, whole).getBytes(StandardCharsets.UTF_8).length);
            }
        }
        DeliveredIds delivered = new DeliveredIds(Files.newBufferedWriter(
                file, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND));
        for (String line : earlier.substring(0, whole).split("\n")) {
            if (!line.isEmpty()) {
                delivered.ids.add(
                        URLDecoder.decode(line, StandardCharsets.UTF_8)); // encoded: an id may hold a line break
            }
        }
        return delivered;
    }

    public boolean contains(String id) {
        return ids.contains(id);
    }

    /** Records a delivery; written through to the file at once, since the process may be stopped at any time. */
    public synchronized void add(String id) {
        if (ids.add(id) && file != null) {
            try {
                file.write(URLEncoder.encode(id, StandardCharsets.UTF_8));
                file.write('\n');
                file.flush();
            } catch (IOException e) {
                throw new UncheckedIOException("could not record delivered image " + id, e);
            }
        }
    }

    public int size() {
        return ids.size();
    }

    @Override
    public synchronized void close() throws IOException {
        if (file != null) {
            file.close();
        }
    }
}
