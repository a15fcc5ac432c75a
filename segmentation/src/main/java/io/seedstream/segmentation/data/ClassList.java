package io.seedstream.segmentation.data;

import java.io.Serializable;
import java.util.List;

/**
 * The class names of a data set, indexed by the ids used in masks. Data sets with a background
 * class keep it at id 0 (synthetic, PASCAL VOC); CamVid has none. The classifier scores only the
 * foreground classes, in id order.
 */
public record ClassList(List<String> names, boolean hasBackground) implements Serializable {

    /** Mask value for pixels without a label (VOC's object borders, CamVid's "Unlabelled"). */
    public static final int IGNORE = 255;

    public ClassList {
        names = List.copyOf(names);
        if (names.isEmpty() || names.size() >= IGNORE) {
            throw new IllegalArgumentException("a class list needs 1.." + (IGNORE - 1) + " classes");
        }
    }

    public int size() {
        return names.size();
    }

    public int numForeground() {
        return hasBackground ? names.size() - 1 : names.size();
    }

    /** Index of a class id among the classifier's outputs. */
    public int classifierIndex(int classId) {
        int index = hasBackground ? classId - 1 : classId;
        if (index < 0 || index >= numForeground()) {
            throw new IllegalArgumentException("class id " + classId + " is not a foreground class");
        }
        return index;
    }

    /** The class names without the background: the classes an image can be labeled with. */
    public List<String> foregroundNames() {
        return names.subList(hasBackground ? 1 : 0, names.size());
    }

    /** Id of the background, or -1 when the data set has none. */
    public int background() {
        return hasBackground ? 0 : -1;
    }

    public int idOf(String name) {
        int id = names.indexOf(name);
        if (id < 0) {
            throw new IllegalArgumentException("unknown class '" + name + "'; known: " + names);
        }
        return id;
    }
}
