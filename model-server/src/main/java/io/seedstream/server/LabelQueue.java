package io.seedstream.server;

import io.seedstream.records.LabelRequest;
import io.seedstream.records.LabeledImageRecord;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The label requests people still have to answer, with their images: the requests from
 * label-requests, minus the image ids already on images.labeled, joined with the image bytes from
 * images.unlabeled. The topics are read concurrently, so the three may arrive in any order. Images
 * asked about are kept until answered; images not asked about (yet) are kept newest first up to a
 * byte limit, since a request follows its image by about one selection window.
 */
public final class LabelQueue {

    /** A request to answer and the unlabeled image it is about. */
    public record Pending(LabelRequest request, LabeledImageRecord image) {

        public String id() {
            return request.getImageId();
        }
    }

    private final long cacheBytes;
    private final Map<String, LabelRequest> requests = new HashMap<>();
    private final Map<String, LabeledImageRecord> askedImages = new HashMap<>();
    /** Not asked about (yet), oldest first. */
    private final LinkedHashMap<String, LabeledImageRecord> recentImages = new LinkedHashMap<>();
    /** The source the demo's oracle writes its answers with. */
    static final String ORACLE = "oracle";

    private final Set<String> answered = new HashSet<>();
    private int answeredByOracle;
    private long recentBytes;

    public LabelQueue(long cacheBytes) {
        this.cacheBytes = cacheBytes;
    }

    public synchronized void requestArrived(LabelRequest request) {
        String id = request.getImageId();
        if (answered.contains(id)) {
            return;
        }
        requests.put(id, request);
        LabeledImageRecord image = recentImages.remove(id);
        if (image != null) {
            recentBytes -= size(image);
            askedImages.put(id, image);
        }
    }

    public synchronized void unlabeledImageArrived(LabeledImageRecord image) {
        String id = image.getId();
        if (answered.contains(id)) {
            return;
        }
        if (requests.containsKey(id)) {
            askedImages.put(id, image);
            return;
        }
        LabeledImageRecord replaced = recentImages.remove(id);
        if (replaced != null) {
            recentBytes -= size(replaced);
        }
        recentImages.put(id, image);
        recentBytes += size(image);
        Iterator<LabeledImageRecord> oldest = recentImages.values().iterator();
        while (recentBytes > cacheBytes && oldest.hasNext()) {
            recentBytes -= size(oldest.next());
            oldest.remove();
        }
    }

    /**
     * An image with this id is on images.labeled, sent by {@code source} ("oracle" for the demo's
     * oracle): its request, if any, is answered.
     */
    public synchronized void labeled(String id, String source) {
        if (ORACLE.equals(source) && answered.add(id)) {
            answeredByOracle++;
        }
        answered.add(id);
        requests.remove(id);
        askedImages.remove(id);
        LabeledImageRecord image = recentImages.remove(id);
        if (image != null) {
            recentBytes -= size(image);
        }
    }

    /** Requests the demo's oracle answered: the labeling page says so, since people then have little to do. */
    public synchronized int answeredByOracle() {
        return answeredByOracle;
    }

    public synchronized boolean isAnswered(String id) {
        return answered.contains(id);
    }

    /** The requests that can be answered here (their image is known), highest priority first. */
    public synchronized List<Pending> pending() {
        List<Pending> pending = new ArrayList<>();
        for (LabelRequest request : requests.values()) {
            LabeledImageRecord image = askedImages.get(request.getImageId());
            if (image != null) {
                pending.add(new Pending(request, image));
            }
        }
        pending.sort(Comparator.comparingDouble((Pending p) -> -p.request().getScore())
                .thenComparingLong(p -> p.request().getTimestampMs())
                .thenComparing(Pending::id));
        return pending;
    }

    public synchronized Optional<Pending> pending(String id) {
        LabelRequest request = requests.get(id);
        LabeledImageRecord image = askedImages.get(id);
        return request == null || image == null ? Optional.empty() : Optional.of(new Pending(request, image));
    }

    /** Requests whose image this server has not seen (not read yet, or older than its cache). */
    public synchronized int withoutImage() {
        return requests.size() - askedImages.size();
    }

    private static long size(LabeledImageRecord image) {
        return image.getImage().remaining();
    }
}
