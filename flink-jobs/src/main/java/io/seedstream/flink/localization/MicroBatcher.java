package io.seedstream.flink.localization;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.BoundedOneInput;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

/**
 * Groups records into batches of up to {@code maxSize} records and {@code maxWeight} in all (for
 * images: pixels, which bound the models' memory; a record heavier than that goes alone), so that
 * the models downstream run once per batch (see the README for what it gained). A batch leaves when
 * it is full, {@code maxWaitMs} after its first record, before every checkpoint barrier and at the
 * end of the input. So no record is ever held in this operator
 * across a checkpoint, and it needs no state of its own for exactly-once.
 */
public final class MicroBatcher<T> extends AbstractStreamOperator<List<T>>
        implements OneInputStreamOperator<T, List<T>>, BoundedOneInput {

    private final int maxSize;
    private final long maxWeight;
    private final Weigher<T> weigher;
    private final long maxWaitMs;
    private transient List<T> batch;
    private transient long weight;
    /** Counts the batches emitted, so that the timer of a batch that already left does nothing. */
    private transient long emitted;

    /** The weight of one record (a serializable lambda). */
    @FunctionalInterface
    public interface Weigher<T> extends Serializable {
        long weigh(T record);
    }

    public MicroBatcher(int maxSize, long maxWeight, Weigher<T> weigher, long maxWaitMs) {
        if (maxSize < 1 || maxWeight < 1 || maxWaitMs < 0) {
            throw new IllegalArgumentException("a micro-batch needs maxSize >= 1, maxWeight >= 1 and maxWaitMs >= 0");
        }
        this.maxSize = maxSize;
        this.maxWeight = maxWeight;
        this.weigher = weigher;
        this.maxWaitMs = maxWaitMs;
    }

    @Override
    public void open() throws Exception {
        super.open();
        batch = new ArrayList<>(maxSize);
    }

    @Override
    public void processElement(StreamRecord<T> element) {
        long recordWeight = weigher.weigh(element.getValue());
        if (weight + recordWeight > maxWeight) {
            emit(); // the batch so far leaves; this record starts the next
        }
        batch.add(element.getValue());
        weight += recordWeight;
        if (batch.size() >= maxSize || weight >= maxWeight) {
            emit();
        } else if (batch.size() == 1) {
            long batchNumber = emitted;
            long now = getProcessingTimeService().getCurrentProcessingTime();
            getProcessingTimeService().registerTimer(now + maxWaitMs, time -> {
                if (emitted == batchNumber) {
                    emit();
                }
            });
        }
    }

    @Override
    public void prepareSnapshotPreBarrier(long checkpointId) throws Exception {
        super.prepareSnapshotPreBarrier(checkpointId);
        emit();
    }

    @Override
    public void endInput() {
        emit();
    }

    private void emit() {
        if (!batch.isEmpty()) {
            output.collect(new StreamRecord<>(batch));
            batch = new ArrayList<>(maxSize);
            weight = 0;
            emitted++;
        }
    }
}
