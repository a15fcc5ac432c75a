package io.seedstream.flink;

import java.io.IOException;
import java.net.URI;
import java.util.Arrays;
import java.util.Optional;
import org.apache.flink.core.fs.FileStatus;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.Path;

/**
 * The checkpoints that one job's earlier runs left in its checkpoint directory (on any file system
 * Flink reads: file, HDFS, S3), laid out as Flink writes them: {@code <dir>/<job id>/chk-<n>/_metadata}.
 * Each run gets a new job id, so the newest complete checkpoint is found by its time, not its number.
 */
public final class RetainedCheckpoints {

    private static final String METADATA = "_metadata"; // written last: a checkpoint without it is incomplete

    private RetainedCheckpoints() {}

    /** The newest complete checkpoint under {@code directory}, as a path to restore from; empty if there is none. */
    public static Optional<String> latest(URI directory) throws IOException {
        Path root = new Path(directory);
        FileSystem fs = root.getFileSystem();
        FileStatus newest = null;
        for (FileStatus run : directories(fs, root)) {
            for (FileStatus checkpoint : directories(fs, run.getPath())) {
                Path metadata = new Path(checkpoint.getPath(), METADATA);
                if (checkpoint.getPath().getName().startsWith("chk-") && fs.exists(metadata)) {
                    FileStatus status = fs.getFileStatus(metadata);
                    if (newest == null || status.getModificationTime() > newest.getModificationTime()) {
                        newest = status;
                    }
                }
            }
        }
        return Optional.ofNullable(newest)
                .map(status -> status.getPath().getParent().toString());
    }

    /**
     * Deletes the folders of every earlier run under {@code directory} but the one holding {@code keep}
     * (a checkpoint path from {@link #latest}), so that restarts do not pile up checkpoints; returns how many.
     */
    public static int deleteAllBut(URI directory, String keep) throws IOException {
        Path root = new Path(directory);
        FileSystem fs = root.getFileSystem();
        String kept = new Path(keep).getParent().toUri().getPath();
        int deleted = 0;
        for (FileStatus run : directories(fs, root)) {
            if (!run.getPath().toUri().getPath().equals(kept)) {
                fs.delete(run.getPath(), true);
                deleted++;
            }
        }
        return deleted;
    }

    /** Deletes {@code directory} and every checkpoint in it (a fresh start). */
    public static void deleteAll(URI directory) throws IOException {
        Path root = new Path(directory);
        FileSystem fs = root.getFileSystem();
        if (fs.exists(root)) {
            fs.delete(root, true);
        }
    }

    /** The folders in {@code parent}; none when it does not exist (a job that never checkpointed). */
    private static FileStatus[] directories(FileSystem fs, Path parent) throws IOException {
        FileStatus[] children = fs.exists(parent) ? fs.listStatus(parent) : null;
        if (children == null) {
            return new FileStatus[0];
        }
        return Arrays.stream(children).filter(FileStatus::isDir).toArray(FileStatus[]::new);
    }
}
