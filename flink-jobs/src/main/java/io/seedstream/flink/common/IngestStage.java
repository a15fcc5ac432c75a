package io.seedstream.flink.common;

import io.seedstream.records.InvalidRecordException;
import io.seedstream.segmentation.config.SeedStreamConfig;
import io.seedstream.segmentation.data.ClassList;
import io.seedstream.segmentation.data.LabeledImage;
import java.time.Duration;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.StateTtlConfig;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * The first stage of every job that reads images: raw messages become validated images, each image
 * id once; anything else becomes a dead letter with its reason, naming the job's stage that refused
 * it (for example {@code localization/validate}). No input can fail the job.
 */
public final class IngestStage {

    static final OutputTag<RejectedRecord> REJECTED =
            new OutputTag<>("rejected", TypeInformation.of(RejectedRecord.class));

    /** The images that passed, and the dead letters of both steps. */
    public record Result(DataStream<LabeledImage> images, DataStream<RejectedRecord> deadLetters) {}

    private IngestStage() {}

    /** @param job the job's name, which the dead letters' stage names begin with */
    public static Result apply(
            DataStream<RawMessage> messages, ClassList classes, SeedStreamConfig.Stream settings, String job) {
        SingleOutputStreamOperator<Validated> valid = messages.process(
                        new Validate(classes, settings.maxImageSide(), job + "/validate"))
                .name("validate and decode")
                .uid("validate");
        SingleOutputStreamOperator<LabeledImage> unique = valid.keyBy(
                        v -> v.image().id(), Types.STRING)
                .process(new FirstOfEachId(settings.duplicateIdRetention(), job + "/deduplicate"))
                .name("drop duplicate ids")
                .uid("deduplicate");
        return new Result(unique, valid.getSideOutput(REJECTED).union(unique.getSideOutput(REJECTED)));
    }

    /** An image that passed validation, with the message it came from (for a later dead letter). */
    public record Validated(LabeledImage image, RawMessage message) {}

    static final class Validate extends ProcessFunction<RawMessage, Validated> {
        private final ClassList classes;
        private final int maxImageSide;
        private final String stage;
        private transient LabeledImageValidator validator;
        private transient Counter rejected;

        Validate(ClassList classes, int maxImageSide, String stage) {
            this.classes = classes;
            this.maxImageSide = maxImageSide;
            this.stage = stage;
        }

        @Override
        public void open(OpenContext context) {
            validator = new LabeledImageValidator(classes, maxImageSide);
            rejected = getRuntimeContext().getMetricGroup().counter("deadLetters");
        }

        @Override
        public void processElement(RawMessage message, Context context, Collector<Validated> out) {
            try {
                out.collect(new Validated(validator.validate(message.value()), message));
            } catch (InvalidRecordException | RuntimeException e) { // nothing a message holds may stop the job
                rejected.inc();
                context.output(
                        REJECTED, RejectedRecord.of(stage, e.getMessage() + " (" + message.position() + ")", message));
            }
        }
    }

    /**
     * Keyed by image id: the first image with an id passes, later ones within the retention are dead
     * letters. The ids expire, so the state holds the recent ids only.
     */
    static final class FirstOfEachId extends KeyedProcessFunction<String, Validated, LabeledImage> {
        private final Duration retention;
        private final String stage;
        private transient ValueState<Boolean> seen;
        private transient Counter duplicates;

        FirstOfEachId(Duration retention, String stage) {
            this.retention = retention;
            this.stage = stage;
        }

        @Override
        public void open(OpenContext context) {
            ValueStateDescriptor<Boolean> descriptor = new ValueStateDescriptor<>("seen", Types.BOOLEAN);
            descriptor.enableTimeToLive(StateTtlConfig.newBuilder(retention).build());
            seen = getRuntimeContext().getState(descriptor);
            duplicates = getRuntimeContext().getMetricGroup().counter("duplicateIds");
        }

        @Override
        public void processElement(Validated validated, Context context, Collector<LabeledImage> out) throws Exception {
            if (seen.value() != null) {
                duplicates.inc();
                context.output(
                        REJECTED,
                        RejectedRecord.of(
                                stage,
                                "duplicate id '" + validated.image().id()
                                        + "': an image with this id was already received ("
                                        + validated.message().position() + ")",
                                validated.message()));
                return;
            }
            seen.update(true);
            out.collect(validated.image());
        }
    }
}
