package io.seedstream.segmentation.nn;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;

/**
 * PyTorch's autograd mode is per thread and on by default on every thread but the one that loaded
 * the engine; threads that only infer turn it off, or every output drags a graph along.
 */
public final class Autograd {

    private Autograd() {}

    public static void disableOnThisThread() {
        Engine.getEngine("PyTorch"); // loads the native library before the first JNI call
        JniUtils.setGradMode(false);
    }
}
