package io.seedstream.segmentation.nn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import ai.djl.engine.Engine;
import org.junit.jupiter.api.Test;

class DevicesTest {

    @Test
    void cpuIsAlwaysThereAndAMissingGpuIsAClearError() {
        assertThat(Devices.of("cpu")).isEqualTo(Device.cpu());
        int gpus = Engine.getEngine("PyTorch").getGpuCount();
        assertThat(Devices.of("auto")).isEqualTo(gpus > 0 ? Device.gpu() : Device.cpu());
        assertThatThrownBy(() -> Devices.of("gpu:" + gpus)).hasMessageContaining(gpus + " GPU(s) are visible");
    }
}
