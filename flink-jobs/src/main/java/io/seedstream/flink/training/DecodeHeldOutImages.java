package io.seedstream.flink.training;

import io.seedstream.flink.ingest.LabeledImageValidator;
import io.seedstream.flink.kafka.RawMessage;
import io.seedstream.flink.kafka.RejectedRecord;
import io.seedstream.records.InvalidRecordException;
import io.seedstream.segmentation.data.ClassList;
import io.seedstream.segmentation.data.LabeledImage;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Images from the held-out topic, checked as labeled images are, for the trainer's evaluation set.
 * Each must carry its mask, which its score is measured against; the others become dead letters.
 */
final class DecodeHeldOutImages extends ProcessFunction<RawMessage, LabeledImage> {

    static final OutputTag<RejectedRecord> REJECTED = new OutputTag<>("rejected-held-out", TypeInformation.of(RejectedRecord.class));

    private final ClassList classes;
    private final int maxImageSide;
    private transient LabeledImageValidator validator;
    private transient Counter rejected;

    DecodeHeldOutImages(ClassList classes, int maxImageSide) {
        this.classes = classes;
        this.maxImageSide = maxImageSide;
    }

    @Override
    public void open(OpenContext context) {
        validator = new LabeledImageValidator(classes, maxImageSide);
        rejected = getRuntimeContext().getMetricGroup().counter("deadLetters");
    }

    @Override
    public void processElement(RawMessage message, Context context, Collector<LabeledImage> out) {
        try {
            LabeledImage image = validator.validate(message.value());
            if (!image.hasMask()) {
                throw new InvalidRecordException(image.id() + ": a held-out image needs its mask, which its score is measured against");
            }
            out.collect(image);
        } catch (InvalidRecordException | RuntimeException e) { // nothing a message holds may stop the job
            rejected.inc();
            context.output(REJECTED, RejectedRecord.of("trainer/held-out images", e.getMessage() + " (" + message.position() + ")",
                    message));
        }
    }
}
