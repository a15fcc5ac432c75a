package io.seedstream.flink.training;

import io.seedstream.segmentation.data.LabeledImage;
import io.seedstream.segmentation.train.StreamingTrainer;
import java.time.Duration;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.StateTtlConfig;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.co.KeyedCoProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Keyed by image id, pairs each labeled image with its seed record into the trainer's samples: the
 * image alone at once (for the classifier), and image plus pseudo-label once both have arrived (for
 * the segmenter), whichever comes first. A sample's time is the image's entry time (its Kafka
 * timestamp). Halves that never find their other half expire after the retention.
 */
public final class SeedJoinFunction
        extends KeyedCoProcessFunction<String, LabeledImage, PseudoLabel, StreamingTrainer.Sample> {

    private final Duration retention;
    private transient ValueState<StreamingTrainer.Sample> image;
    private transient ValueState<PseudoLabel> seeds;
    private transient Counter mismatched;

    public SeedJoinFunction(Duration retention) {
        this.retention = retention;
    }

    @Override
    public void open(OpenContext context) {
        StateTtlConfig ttl = StateTtlConfig.newBuilder(retention).build();
        ValueStateDescriptor<StreamingTrainer.Sample> imageDescriptor =
                new ValueStateDescriptor<>("image", TypeInformation.of(StreamingTrainer.Sample.class));
        imageDescriptor.enableTimeToLive(ttl);
        ValueStateDescriptor<PseudoLabel> seedsDescriptor =
                new ValueStateDescriptor<>("seeds", TypeInformation.of(PseudoLabel.class));
        seedsDescriptor.enableTimeToLive(ttl);
        image = getRuntimeContext().getState(imageDescriptor);
        seeds = getRuntimeContext().getState(seedsDescriptor);
        mismatched = getRuntimeContext().getMetricGroup().counter("seedsOfTheWrongSize");
    }

    @Override
    public void processElement1(LabeledImage labeled, Context context, Collector<StreamingTrainer.Sample> out)
            throws Exception {
        StreamingTrainer.Sample sample = new StreamingTrainer.Sample(labeled, null, entryTime(context));
        out.collect(sample);
        PseudoLabel waiting = seeds.value();
        if (waiting != null) {
            emit(sample, waiting, out);
            seeds.clear();
        } else {
            image.update(sample);
        }
    }

    @Override
    public void processElement2(PseudoLabel record, Context context, Collector<StreamingTrainer.Sample> out)
            throws Exception {
        StreamingTrainer.Sample waiting = image.value();
        if (waiting != null) {
            emit(waiting, record, out);
            image.clear();
        } else {
            seeds.update(record);
        }
    }

    private void emit(StreamingTrainer.Sample sample, PseudoLabel label, Collector<StreamingTrainer.Sample> out) {
        LabeledImage labeled = sample.image();
        if (label.width() != labeled.width() || label.height() != labeled.height()) {
            mismatched.inc(); // seeds of another image under the same id: the pairing is not trustworthy
            return;
        }
        out.collect(new StreamingTrainer.Sample(labeled, label.labels(), sample.timestampMs()));
    }

    private static long entryTime(Context context) {
        Long timestamp = context.timestamp(); // the Kafka record's timestamp, kept by every operator upstream
        return timestamp == null ? System.currentTimeMillis() : timestamp;
    }
}
