package io.seedstream.benchmarks;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The fault benchmark's books: when each image was sent and whether the broker acknowledged it, and
 * every committed seed record as it was read. A phase of the run (a fault, from the steady stream
 * before it to the recovery after it) is charged with the images sent during it that never got a
 * seed (lost), the seed records read during it for an image seeded before (duplicated), and the
 * time from the fault's injection to the first seed of an image sent after it (recovery). Times are
 * {@link System#nanoTime} of this process. Thread-safe.
 */
final class FaultLedger {

    /** A stretch of the run: from {@code start}, the fault injected at {@code injected}, to {@code end}. */
    record Phase(String name, long start, long injected, long end) {}

    /** What a phase is charged with; {@code recoverySeconds} is null when no image sent after the injection was seeded. */
    record Charge(int sent, int unacknowledged, int lost, int duplicated, Double recoverySeconds) {}

    private record Sending(long at, boolean acknowledged) {}

    private record Seeding(String id, long at) {}

    private final Map<String, Sending> sendings = new HashMap<>();
    private final List<Seeding> seedings = new ArrayList<>();

    /** An image handed to the producer at {@code at}. */
    synchronized void sent(String id, long at) {
        sendings.putIfAbsent(id, new Sending(at, false));
    }

    /** The broker acknowledged the image. */
    synchronized void acknowledged(String id) {
        sendings.computeIfPresent(id, (key, sending) -> new Sending(sending.at(), true));
    }

    /** A committed seed record for the image was read at {@code at}. */
    synchronized void seeded(String id, long at) {
        seedings.add(new Seeding(id, at));
    }

    /** Acknowledged images sent before {@code sentBefore} without a seed so far. */
    synchronized int unseeded(long sentBefore) {
        Set<String> seeded = seededIds();
        return (int) sendings.entrySet().stream()
                .filter(e ->
                        e.getValue().at() < sentBefore && e.getValue().acknowledged() && !seeded.contains(e.getKey()))
                .count();
    }

    synchronized int acknowledgedCount() {
        return (int) sendings.values().stream().filter(Sending::acknowledged).count();
    }

    synchronized int seedRecords() {
        return seedings.size();
    }

    /** The phase's charge, from what the ledger holds now. */
    synchronized Charge charge(Phase phase) {
        Set<String> seeded = seededIds();
        int sent = 0;
        int unacknowledged = 0;
        int lost = 0;
        for (Map.Entry<String, Sending> e : sendings.entrySet()) {
            Sending sending = e.getValue();
            if (sending.at() < phase.start() || sending.at() >= phase.end()) {
                continue;
            }
            sent++;
            if (!sending.acknowledged()) {
                unacknowledged++;
            } else if (!seeded.contains(e.getKey())) {
                lost++;
            }
        }
        Set<String> before = new HashSet<>();
        int duplicated = 0;
        Double recovery = null;
        for (Seeding seeding : seedings) {
            boolean again = !before.add(seeding.id());
            if (seeding.at() >= phase.start() && seeding.at() < phase.end() && again) {
                duplicated++;
            }
            Sending sending = sendings.get(seeding.id());
            if (recovery == null
                    && seeding.at() >= phase.injected()
                    && seeding.at() < phase.end()
                    && sending != null
                    && sending.at() >= phase.injected()) {
                recovery = (seeding.at() - phase.injected()) / 1e9;
            }
        }
        return new Charge(sent, unacknowledged, lost, duplicated, recovery);
    }

    /** Seconds from sending to the first seed, for images sent in [from, to): the pipeline's latency without faults. */
    synchronized List<Double> latencies(long from, long to) {
        Map<String, Long> first = new HashMap<>();
        for (Seeding seeding : seedings) {
            first.putIfAbsent(seeding.id(), seeding.at());
        }
        List<Double> seconds = new ArrayList<>();
        sendings.forEach((id, sending) -> {
            if (sending.at() >= from && sending.at() < to && first.containsKey(id)) {
                seconds.add((first.get(id) - sending.at()) / 1e9);
            }
        });
        return seconds;
    }

    private Set<String> seededIds() {
        Set<String> ids = new HashSet<>();
        seedings.forEach(seeding -> ids.add(seeding.id()));
        return ids;
    }
}
