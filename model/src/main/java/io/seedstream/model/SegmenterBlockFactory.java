package io.seedstream.model;

import ai.djl.Model;
import ai.djl.nn.Block;
import ai.djl.nn.BlockFactory;
import io.seedstream.segmentation.nn.Segmenter;
import io.seedstream.segmentation.nn.SegmenterArchitecture;
import io.seedstream.segmentation.snapshot.ModelSnapshot;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;

/**
 * Builds the exported segmenter for DJL's model loader, which names this class from the model
 * directory's {@code serving.properties}: the architecture and weights come from the directory's
 * snapshot (checked against its SHA-256), on the model's NDManager.
 */
public final class SegmenterBlockFactory implements BlockFactory {

    private static final long serialVersionUID = 1L;

    @Override
    public Block newBlock(Model model, Path modelPath, Map<String, ?> arguments) throws IOException {
        Path file = modelPath.resolve(ExportedModel.SNAPSHOT_FILE);
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new IOException("not an exported SeedStream segmenter: " + file + " is missing", e);
        }
        ModelSnapshot snapshot;
        try {
            snapshot = ModelSnapshot.fromBytes(bytes);
        } catch (ModelSnapshot.InvalidSnapshotException e) {
            throw new IOException(file + " is not a readable segmenter snapshot: " + e.getMessage(), e);
        }
        if (!(snapshot.architecture() instanceof SegmenterArchitecture)) {
            throw new IOException(file + " holds a " + snapshot.architecture().kind() + ", not a segmenter");
        }
        return new SegmenterBlock((Segmenter) snapshot.newNetwork(model.getNDManager()));
    }
}
