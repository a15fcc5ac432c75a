package io.seedstream.flink.common;

import ai.djl.Device;
import io.seedstream.segmentation.nn.Devices;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.apache.flink.api.common.externalresource.ExternalResourceInfo;
import org.apache.flink.api.common.functions.RuntimeContext;

/**
 * The device an operator's models run on. When the task manager was given GPUs through Flink's
 * external resource framework ({@code external-resources: gpu}), the GPU driver reports each one
 * with its {@code index} property, and subtasks spread over them by subtask index (as Flink's GPU
 * documentation does); otherwise the configured device ({@code device}: cpu, auto or gpu[:index]).
 */
public final class TaskDevice {

    /** The external resource name of GPUs in the Flink configuration. */
    public static final String GPU_RESOURCE = "gpu";

    private TaskDevice() {}

    /** The device for a subtask: from its task manager's GPUs, else {@code configured}. */
    public static Device of(RuntimeContext context, String configured) {
        return Devices.of(choose(
                context.getExternalResourceInfos(GPU_RESOURCE),
                context.getTaskInfo().getIndexOfThisSubtask(),
                configured));
    }

    /** A device name for {@link Devices#of(String)}. */
    public static String choose(Set<ExternalResourceInfo> gpus, int subtaskIndex, String configured) {
        List<Integer> indices = gpus.stream()
                .map(gpu -> gpu.getProperty("index"))
                .flatMap(Optional::stream)
                .map(Integer::parseInt)
                .sorted()
                .toList();
        return indices.isEmpty() ? configured : "gpu:" + indices.get(subtaskIndex % indices.size());
    }
}
