package io.seedstream.flink.training;

import io.seedstream.flink.common.RawMessage;
import io.seedstream.flink.common.RejectedRecord;
import io.seedstream.records.Bytes;
import io.seedstream.records.InvalidRecordException;
import io.seedstream.records.RecordCodec;
import io.seedstream.records.SeedRecord;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/** Seed records from the seeds topic become pseudo-labels; unreadable ones become dead letters. */
final class DecodeSeeds extends ProcessFunction<RawMessage, PseudoLabel> {

    static final OutputTag<RejectedRecord> REJECTED =
            new OutputTag<>("rejected-seeds", TypeInformation.of(RejectedRecord.class));

    private transient Counter rejected;

    @Override
    public void open(OpenContext context) {
        rejected = getRuntimeContext().getMetricGroup().counter("deadLetters");
    }

    @Override
    public void processElement(RawMessage message, Context context, Collector<PseudoLabel> out) {
        try {
            SeedRecord record = RecordCodec.SEED.decode(message.value());
            byte[] labels = Bytes.toArray(record.getPseudoLabel());
            if (record.getWidth() <= 0
                    || record.getHeight() <= 0
                    || labels.length != record.getWidth() * record.getHeight()) {
                throw new InvalidRecordException("pseudo-label has " + labels.length + " pixels, the record says "
                        + record.getWidth() + "x" + record.getHeight());
            }
            out.collect(new PseudoLabel(record.getImageId(), record.getWidth(), record.getHeight(), labels));
        } catch (InvalidRecordException | RuntimeException e) {
            rejected.inc();
            context.output(
                    REJECTED,
                    RejectedRecord.of("trainer/seeds", e.getMessage() + " (" + message.position() + ")", message));
        }
    }
}
