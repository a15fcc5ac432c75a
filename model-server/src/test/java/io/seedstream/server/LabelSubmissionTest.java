package io.seedstream.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.seedstream.records.Bytes;
import io.seedstream.records.LabeledImageRecord;
import io.seedstream.segmentation.data.ClassList;
import io.seedstream.segmentation.data.ImageCodec;
import java.nio.ByteBuffer;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A person's answer on a 2 x 2 image, classes background, cross, ring, bars. */
class LabelSubmissionTest {

    private static final ClassList CLASSES = new ClassList(List.of("background", "cross", "ring", "bars"), true);

    private static LabelQueue.Pending pending() throws Exception {
        LabeledImageRecord image = LabeledImageRecord.newBuilder()
                .setId("u-1")
                .setImage(ByteBuffer.wrap(ImageCodec.encodePng(2, 2, new byte[12])))
                .setFormat("png")
                .setTimestampMs(0)
                .build();
        return new LabelQueue.Pending(LabelQueueTest.request("u-1", 1, 0), image);
    }

    private static byte[] mask(int... values) throws Exception {
        byte[] mask = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            mask[i] = (byte) values[i];
        }
        return ImageCodec.encodeMask(2, 2, mask);
    }

    private static ApiException refusal(Runnable answer) {
        try {
            answer.run();
        } catch (ApiException e) {
            return e;
        }
        throw new AssertionError("the answer was accepted");
    }

    @Test
    void theTickedClassesBecomeTheLabelsOfTheRequestedImage() throws Exception {
        LabelQueue.Pending pending = pending();
        LabeledImageRecord answer =
                LabelSubmission.answer(pending, CLASSES, List.of("ring", " cross ", "", "ring"), null, 42);
        assertThat(answer.getId()).isEqualTo("u-1");
        assertThat(answer.getLabels()).as("in class id order, once each").containsExactly("cross", "ring");
        assertThat(Bytes.toArray(answer.getImage()))
                .isEqualTo(Bytes.toArray(pending.image().getImage()));
        assertThat(answer.getMask()).isNull();
        assertThat(answer.getSource()).isEqualTo(LabelSubmission.SOURCE);
        assertThat(answer.getTimestampMs()).isEqualTo(42);
        assertThat(LabelSubmission.answer(pending, CLASSES, List.of("background", "ring"), null, 0)
                        .getLabels())
                .as("background, which the demo lists, is accepted and implied")
                .containsExactly("ring");
    }

    @Test
    void aMaskAddsTheClassesItShows() throws Exception {
        // background, bars, not labeled, cross: labels cross (ticked) and bars (from the mask).
        LabeledImageRecord answer = LabelSubmission.answer(pending(), CLASSES, List.of("cross"), mask(0, 3, 255, 1), 0);
        assertThat(answer.getLabels()).containsExactly("cross", "bars");
        assertThat(ImageCodec.decodeMask(Bytes.toArray(answer.getMask()), 2, 2)).containsExactly(0, 3, (byte) 255, 1);
        assertThat(LabelSubmission.answer(pending(), CLASSES, List.of(), mask(2, 2, 0, 0), 0)
                        .getLabels())
                .as("a mask alone is an answer")
                .containsExactly("ring");
    }

    @Test
    void refusesAnswersAPersonMustCorrect() throws Exception {
        LabelQueue.Pending pending = pending();
        assertThat(refusal(() -> LabelSubmission.answer(pending, CLASSES, List.of("cross", "unicorn"), null, 0))
                        .getMessage())
                .contains("unknown class 'unicorn'")
                .contains("[cross, ring, bars]");
        assertThat(refusal(() -> LabelSubmission.answer(pending, CLASSES, List.of("background"), null, 0))
                        .getMessage())
                .contains("empty answer")
                .contains("'background' is in every image, so it names none");
        assertThat(refusal(() -> LabelSubmission.answer(pending, CLASSES, List.of(" "), null, 0))
                        .getMessage())
                .contains("empty answer")
                .contains("or upload a mask");
        byte[] onlyBackground = mask(0, 0, 255, 0);
        assertThat(refusal(() -> LabelSubmission.answer(pending, CLASSES, List.of(), onlyBackground, 0))
                        .getMessage())
                .contains("the mask shows none");
        byte[] wrongSize = ImageCodec.encodeMask(3, 2, new byte[6]);
        assertThat(refusal(() -> LabelSubmission.answer(pending, CLASSES, List.of("cross"), wrongSize, 0))
                        .getMessage())
                .contains("3x2")
                .contains("2x2");
        byte[] notAClass = mask(0, 7, 0, 0);
        assertThat(refusal(() -> LabelSubmission.answer(pending, CLASSES, List.of("cross"), notAClass, 0))
                        .getMessage())
                .contains("mask value 7");
        byte[] notAPng = "mask".getBytes();
        ApiException notPng = refusal(() -> LabelSubmission.answer(pending, CLASSES, List.of("cross"), notAPng, 0));
        assertThat(notPng.status()).isEqualTo(400);
        assertThat(notPng.getMessage()).contains("must be a PNG");
    }
}
