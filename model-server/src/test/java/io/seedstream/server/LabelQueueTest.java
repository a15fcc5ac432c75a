package io.seedstream.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.seedstream.records.LabelRequest;
import io.seedstream.records.LabeledImageRecord;
import java.nio.ByteBuffer;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The queue joins three topics read in any order: requests, unlabeled images, answers. */
class LabelQueueTest {

    static LabelRequest request(String id, double priority, long atMs) {
        return LabelRequest.newBuilder()
                .setImageId(id)
                .setScore(priority)
                .setReason("test")
                .setGuessedClasses(List.of("cross"))
                .setModelVersion(1)
                .setTimestampMs(atMs)
                .build();
    }

    static LabeledImageRecord image(String id, int bytes) {
        return LabeledImageRecord.newBuilder()
                .setId(id)
                .setImage(ByteBuffer.wrap(new byte[bytes]))
                .setFormat("png")
                .setTimestampMs(0)
                .build();
    }

    private static List<String> pendingIds(LabelQueue queue) {
        return queue.pending().stream().map(LabelQueue.Pending::id).toList();
    }

    @Test
    void pendsARequestOnceItsImageIsKnownUntilItIsAnsweredWhateverTheOrder() {
        LabelQueue queue = new LabelQueue(1000);
        queue.requestArrived(request("a", 0.5, 1)); // request first
        assertThat(pendingIds(queue)).isEmpty();
        assertThat(queue.withoutImage()).isEqualTo(1);
        queue.unlabeledImageArrived(image("a", 10));
        queue.unlabeledImageArrived(image("b", 10)); // image first
        queue.requestArrived(request("b", 0.9, 2));
        queue.unlabeledImageArrived(image("c", 10));
        queue.requestArrived(request("c", 0.5, 0)); // a's priority, asked earlier
        assertThat(pendingIds(queue)).containsExactly("b", "c", "a");
        assertThat(queue.withoutImage()).isZero();

        queue.labeled("b", "label-page");
        assertThat(pendingIds(queue)).containsExactly("c", "a");
        assertThat(queue.isAnswered("b")).isTrue();
        assertThat(queue.pending("b")).isEmpty();

        queue.labeled("d", LabelQueue.ORACLE); // the answer read before its request and image
        queue.requestArrived(request("d", 2.0, 3));
        queue.unlabeledImageArrived(image("d", 10));
        assertThat(pendingIds(queue)).containsExactly("c", "a");
        assertThat(queue.withoutImage()).isZero();
        queue.labeled("d", LabelQueue.ORACLE); // read again: counted once
        assertThat(queue.answeredByOracle()).as("d; b was a person's").isEqualTo(1);
    }

    @Test
    void keepsTheImagesAskedAboutAndTheNewestOthersWithinTheByteLimit() {
        LabelQueue queue = new LabelQueue(10);
        queue.unlabeledImageArrived(image("asked", 4));
        queue.requestArrived(request("asked", 1, 0));
        for (String id : List.of("x", "y", "z")) {
            queue.unlabeledImageArrived(image(id, 4)); // 12 bytes not asked about: x goes
        }
        queue.requestArrived(request("x", 1, 1));
        queue.requestArrived(request("z", 1, 2));
        assertThat(pendingIds(queue)).containsExactly("asked", "z");
        assertThat(queue.withoutImage()).as("x was older than the cache").isEqualTo(1);
    }
}
