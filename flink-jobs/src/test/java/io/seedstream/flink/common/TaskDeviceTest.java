package io.seedstream.flink.common;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.flink.api.common.externalresource.ExternalResourceInfo;
import org.junit.jupiter.api.Test;

class TaskDeviceTest {

    /** What Flink's GPU driver reports for one GPU: an {@code index} property. */
    private record FakeGpu(Map<String, String> properties) implements ExternalResourceInfo {
        @Override
        public Optional<String> getProperty(String key) {
            return Optional.ofNullable(properties.get(key));
        }

        @Override
        public Collection<String> getKeys() {
            return properties.keySet();
        }
    }

    @Test
    void subtasksSpreadOverTheGpusOfTheirTaskManager() {
        Set<ExternalResourceInfo> gpus = Set.of(new FakeGpu(Map.of("index", "3")), new FakeGpu(Map.of("index", "1")));
        assertThat(TaskDevice.choose(gpus, 0, "cpu")).isEqualTo("gpu:1");
        assertThat(TaskDevice.choose(gpus, 1, "cpu")).isEqualTo("gpu:3");
        assertThat(TaskDevice.choose(gpus, 2, "cpu")).isEqualTo("gpu:1");
    }

    @Test
    void withoutGpusTheConfiguredDeviceApplies() {
        assertThat(TaskDevice.choose(Set.of(), 0, "cpu")).isEqualTo("cpu");
        assertThat(TaskDevice.choose(Set.of(), 0, "auto")).isEqualTo("auto");
        // A resource without an index (another driver) is not a GPU we can address.
        assertThat(TaskDevice.choose(Set.of(new FakeGpu(Map.of("vendor", "x"))), 0, "cpu"))
                .isEqualTo("cpu");
    }
}
