package io.seedstream.segmentation.nn;

/** A network that can be snapshotted: its shape and its parameters. */
public interface Network extends AutoCloseable {

    Architecture architecture();

    Parameters parameters();

    @Override
    void close();
}
