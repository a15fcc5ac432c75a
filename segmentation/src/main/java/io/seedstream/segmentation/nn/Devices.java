package io.seedstream.segmentation.nn;

import ai.djl.Device;
import ai.djl.engine.Engine;

/**
 * The device named by the configuration: {@code cpu}, {@code gpu}, {@code gpu:<index>} or {@code
 * auto}. A CPU is only handed out once its convolutions pass {@link ConvolutionCheck}.
 */
public final class Devices {

    private Devices() {}

    public static Device of(String name) {
        Device device = named(name);
        if (!device.isGpu()) {
            ConvolutionCheck.verifyCpu();
        }
        return device;
    }

    private static Device named(String name) {
        if (name.equals("cpu")) {
            return Device.cpu();
        }
        if (name.equals("auto")) {
            return Engine.getEngine("PyTorch").defaultDevice(); // a GPU when one is visible, else the CPU
        }
        int index = name.startsWith("gpu:") ? Integer.parseInt(name.substring(4)) : 0;
        int available = Engine.getEngine("PyTorch").getGpuCount();
        if (index >= available) {
            throw new IllegalArgumentException(
                    "device " + name + " requested, but " + available + " GPU(s) are visible");
        }
        return Device.gpu(index);
    }
}
