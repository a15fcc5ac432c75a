package io.seedstream.segmentation.data;

import java.util.List;

/**
 * What a reader found on disk: the images it could read and, by file name, the ones it could not.
 * A bad file never stops a run; it is reported here.
 */
public record DatasetLoad(ClassList classes, List<LabeledImage> images, List<Problem> problems) {

    /** A file that was skipped, and why. */
    public record Problem(String file, String reason) {
        @Override
        public String toString() {
            return file + ": " + reason;
        }
    }

    public DatasetLoad {
        images = List.copyOf(images);
        problems = List.copyOf(problems);
    }
}
