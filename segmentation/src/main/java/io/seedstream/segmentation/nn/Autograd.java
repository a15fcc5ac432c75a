package io.seedstream.segmentation.nn;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;

/**
 * PyTorch's autograd mode is per thread and on by default on every thread but the one that loaded
 * the engine; threads that only infer turn it off, or every output drags a graph along.
 *
 * <p>{@link #record()} replaces DJL's {@code GradientCollector}, which allows one collector per
 * JVM (a static flag): in one Flink task manager the trainer and a localizer computing Grad-CAM
 * run on different threads at the same time, and the second collector would throw.
 */
public final class Autograd {

    private Autograd() {}

    public static void disableOnThisThread() {
        Engine.getEngine("PyTorch"); // loads the native library before the first JNI call
        JniUtils.setGradMode(false);
    }

    /** Records operations on this thread for backward passes until closed; then the previous mode is back. */
    public static Recording record() {
        return new Recording(true);
    }

    /** Records nothing on this thread until closed (inference on a caller's thread); then the previous mode is back. */
    public static Recording pause() {
        return new Recording(false);
    }

    /** A span of the calling thread with recording on or off. */
    public static final class Recording implements AutoCloseable {

        private final boolean previousMode;

        private Recording(boolean mode) {
            Engine.getEngine("PyTorch"); // loads the native library before the first JNI call
            this.previousMode = JniUtils.isGradMode();
            JniUtils.setGradMode(mode);
        }

        /** Adds d scalar / d leaf into the gradient of every leaf that requires one. */
        public void backward(NDArray scalar) {
            try (NDArray ones = scalar.onesLike()) {
                JniUtils.backward((PtNDArray) scalar, (PtNDArray) ones, false, false);
            }
        }

        @Override
        public void close() {
            JniUtils.setGradMode(previousMode);
        }
    }
}
