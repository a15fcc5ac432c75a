package io.seedstream.cli.local;

import io.seedstream.server.AccessToken;
import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.net.URI;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Where a local run keeps what a restart needs: the embedded broker's log, the jobs' checkpoints,
 * which images the producer and the oracle delivered, and what the run is ({@code run.properties}:
 * data set, topics, Kafka, configuration). A run started on a directory holding another run is
 * refused, not mixed into it; one process at a time holds the directory.
 */
public final class DataDirectory implements AutoCloseable {

    private static final String RUN_FILE = "run.properties";

    private final Path root;
    private final FileChannel lockChannel;
    private final FileLock lock;
    private final boolean resumed;

    private DataDirectory(Path root, FileChannel lockChannel, FileLock lock, boolean resumed) {
        this.root = root;
        this.lockChannel = lockChannel;
        this.lock = lock;
        this.resumed = resumed;
    }

    /**
     * Opens {@code root} for the run described by {@code run}: resumes the run kept there, or starts
     * one in an empty directory; {@code fresh} deletes whatever is there first.
     *
     * @throws IllegalArgumentException when another process holds the directory, or it holds a different run or other files
     */
    public static DataDirectory open(Path root, Map<String, String> run, boolean fresh) throws IOException {
        Path directory = root.toAbsolutePath().normalize();
        Files.createDirectories(directory);
        FileChannel channel =
                FileChannel.open(directory.resolve(".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = channel.tryLock();
        } catch (OverlappingFileLockException e) { // held by this process
            lock = null;
        }
        if (lock == null) {
            channel.close();
            throw new IllegalArgumentException("another seedstream process is using the data directory " + directory
                    + ": stop it first, or pass another --data-dir");
        }
        try {
            Path runFile = directory.resolve(RUN_FILE);
            if (!Files.exists(runFile)
                    && !isEmpty(directory)) { // never fill, or delete, a folder that holds other things
                throw new IllegalArgumentException(directory + " is not empty and holds no seedstream run (" + RUN_FILE
                        + "): pass an empty or new --data-dir");
            }
            if (fresh) {
                deleteContents(directory);
            }
            boolean resumed = Files.exists(runFile);
            if (resumed) {
                List<String> differences = differences(read(runFile), run);
                if (!differences.isEmpty()) {
                    throw new IllegalArgumentException(
                            "the data directory " + directory + " holds another run (" + String.join("; ", differences)
                                    + "): pass --fresh to delete it and start over, or another --data-dir");
                }
            } else {
                write(runFile, run);
            }
            return new DataDirectory(directory, channel, lock, resumed);
        } catch (IOException | RuntimeException e) {
            lock.release();
            channel.close();
            throw e;
        }
    }

    /** The directory, absolute. */
    public Path root() {
        return root;
    }

    /** Whether it held this run already (so the run resumes), rather than nothing. */
    public boolean resumed() {
        return resumed;
    }

    /** The embedded broker's log directory. */
    public Path kafkaLogs() {
        return root.resolve("kafka");
    }

    /** The jobs' checkpoints, when no other place is given. */
    public URI checkpoints() {
        return root.resolve("checkpoints").toUri();
    }

    /** The images the producer delivered. */
    public Path producerDelivered() {
        return root.resolve("producer-delivered.txt");
    }

    /** The label requests the oracle answered. */
    public Path oracleAnswered() {
        return root.resolve("oracle-answered.txt");
    }

    /**
     * The model server's access token for this run, made up the first time and kept (readable by this
     * user only), so that a resumed run and scripts ({@code curl -H "Authorization: Bearer $(cat ...)"})
     * use the same one.
     */
    public Path serverToken() throws IOException {
        Path file = root.resolve("server-token");
        if (!Files.exists(file)) {
            Path written = root.resolve("server-token.tmp");
            Files.deleteIfExists(written);
            try { // readable by this user only from the start, not after a moment of the umask's permissions
                Files.createFile(
                        written, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            } catch (UnsupportedOperationException e) {
                Files.createFile(
                        written); // a file system without POSIX permissions: the directory's protection applies
            }
            Files.writeString(written, AccessToken.random() + "\n");
            Files.move(written, file, StandardCopyOption.ATOMIC_MOVE);
        }
        return file;
    }

    @Override
    public void close() throws IOException {
        lock.release();
        lockChannel.close();
    }

    private static List<String> differences(Map<String, String> kept, Map<String, String> run) {
        List<String> differences = new ArrayList<>();
        Map<String, String> all = new TreeMap<>(kept);
        run.forEach(all::putIfAbsent);
        for (String key : all.keySet()) {
            String before = kept.get(key);
            String now = run.get(key);
            if (before == null || !before.equals(now)) {
                differences.add(key + " was " + (before == null ? "not set" : "'" + before + "'") + ", now "
                        + (now == null ? "not set" : "'" + now + "'"));
            }
        }
        return differences;
    }

    private static Map<String, String> read(Path file) throws IOException {
        Properties properties = new Properties();
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            properties.load(reader);
        }
        Map<String, String> map = new TreeMap<>();
        properties.stringPropertyNames().forEach(key -> map.put(key, properties.getProperty(key)));
        return map;
    }

    private static void write(Path file, Map<String, String> run) throws IOException {
        Properties properties = new Properties();
        properties.putAll(run);
        Path temporary = file.resolveSibling(file.getFileName() + ".new");
        try (Writer writer = Files.newBufferedWriter(temporary, StandardCharsets.UTF_8)) {
            properties.store(writer, "the run kept in this directory; seedstream demo resumes it, --fresh deletes it");
        }
        Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE);
    }

    private static boolean isEmpty(Path directory) throws IOException {
        try (Stream<Path> children = Files.list(directory)) {
            return children.allMatch(child -> child.getFileName().toString().equals(".lock"));
        }
    }

    private static void deleteContents(Path directory) throws IOException {
        try (Stream<Path> walk = Files.walk(directory)) {
            for (Path path : walk.sorted(Comparator.reverseOrder()).toList()) {
                if (!path.equals(directory) && !path.getFileName().toString().equals(".lock")) {
                    Files.delete(path);
                }
            }
        }
    }
}
