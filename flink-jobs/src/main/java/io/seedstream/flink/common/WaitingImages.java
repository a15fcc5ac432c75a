package io.seedstream.flink.common;

import io.seedstream.segmentation.data.LabeledImage;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.apache.flink.api.common.functions.RuntimeContext;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.TimerService;

/**
 * Images that reach a keyed function before its first classifier, held in keyed state until one is
 * live: nothing is dropped. Each key that holds images has a processing-time timer, re-armed every
 * second until a classifier is live; then each key's timer hands its images on in a mailbox action of
 * its own, so checkpoints complete while a long backlog is worked off. (Handing the whole backlog on
 * when the first classifier arrived was one action of minutes for CamVid's 367 photos: no checkpoint
 * completed meanwhile, and a 10-minute demo committed no seed.) Flink drops pending processing-time
 * timers when a bounded input ends, so each key also has an event-time timer at the end of time,
 * which the final watermark of a bounded input fires. Opened in the function's {@code open()}.
 */
public final class WaitingImages {

    /** How often a key checks for a live classifier. */
    static final long RECHECK_MS = 1_000;

    /** The event time of a bounded input's final watermark. */
    private static final long END_OF_INPUT = Long.MAX_VALUE;

    private final ListState<LabeledImage> images;
    private final Counter waited;
    /**
     * The latest time a key was told to check at: each key gets a millisecond of its own, as Flink
     * fires all timers of one timestamp in one mailbox action.
     */
    private long lastCheckMs;

    /** The keyed list state {@code name} and its count of images that waited, {@code imagesWaitedForModel}. */
    public WaitingImages(RuntimeContext context, String name) {
        this.images = context.getListState(new ListStateDescriptor<>(name, TypeInformation.of(LabeledImage.class)));
        this.waited = context.getMetricGroup().counter("imagesWaitedForModel");
    }

    /** Holds the current key's {@code batch} until a classifier is live. */
    public void hold(List<LabeledImage> batch, TimerService timers) throws Exception {
        waited.inc(batch.size());
        images.addAll(batch);
        timers.registerProcessingTimeTimer(nextCheck(timers));
        timers.registerEventTimeTimer(END_OF_INPUT);
    }

    /**
     * On the current key's timer (either kind): hands its images to {@code process} and forgets them
     * once a classifier is live, or checks again a second later.
     */
    public void onTimer(boolean classifierLive, TimerService timers, Consumer<List<LabeledImage>> process)
            throws Exception {
        if (!classifierLive) { // only keys that hold images have timers: no need to read them back
            timers.registerProcessingTimeTimer(nextCheck(timers));
            return;
        }
        List<LabeledImage> held = new ArrayList<>();
        images.get().forEach(held::add);
        if (held.isEmpty()) {
            return; // released by its other timer
        }
        process.accept(held);
        images.clear();
        timers.deleteEventTimeTimer(END_OF_INPUT);
    }

    private long nextCheck(TimerService timers) {
        lastCheckMs = Math.max(timers.currentProcessingTime() + RECHECK_MS, lastCheckMs + 1);
        return lastCheckMs;
    }
}
