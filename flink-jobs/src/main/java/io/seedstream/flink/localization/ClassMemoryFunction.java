package io.seedstream.flink.localization;

import io.seedstream.segmentation.config.SeedStreamConfig;
import io.seedstream.segmentation.memory.ClassMemory;
import java.util.HashMap;
import java.util.Map;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * MCIBI's class memory as keyed state, keyed by class id (RocksDB in the job): each image's
 * features of a class update that class's vector, and the new state goes out to the seeding
 * operator. Metrics per class: updates and the vector's norm.
 */
public final class ClassMemoryFunction extends KeyedProcessFunction<Integer, ClassFeatures, MemoryUpdate> {

    private final SeedStreamConfig.ClassMemory settings;
    private transient ClassMemory memory;
    private transient ValueState<ClassMemory.State> state;
    private final int background;
    private transient Map<Integer, ClassMemory.State> latest; // for the gauges of the classes this subtask keeps

    /** @param background the background's class id (its memory keeps several prototypes), or -1 */
    public ClassMemoryFunction(SeedStreamConfig config, int background) {
        this.settings = config.memory();
        this.background = background;
    }

    @Override
    public void open(OpenContext context) {
        memory = new ClassMemory(settings);
        state = getRuntimeContext()
                .getState(new ValueStateDescriptor<>("memory", TypeInformation.of(ClassMemory.State.class)));
        latest = new HashMap<>();
    }

    @Override
    public void processElement(ClassFeatures features, Context context, Collector<MemoryUpdate> out) throws Exception {
        ClassMemory.State current = state.value() == null ? ClassMemory.State.EMPTY : state.value();
        int prototypes = features.classId() == background ? settings.backgroundPrototypes() : 1;
        ClassMemory.State next = memory.update(current, features.rows(), prototypes);
        if (next == current) {
            return; // the image had no pixels of this class
        }
        state.update(next);
        if (latest.put(features.classId(), next) == null) {
            MetricGroup group =
                    getRuntimeContext().getMetricGroup().addGroup("class", String.valueOf(features.classId()));
            group.gauge("memoryUpdates", () -> latest.get(features.classId()).updates());
            group.gauge("memoryNorm", () -> norm(latest.get(features.classId()).vector()));
        }
        out.collect(new MemoryUpdate(features.classId(), next));
    }

    private static double norm(float[] vector) {
        double sum = 0;
        for (float v : vector) {
            sum += (double) v * v;
        }
        return Math.sqrt(sum);
    }
}
