package io.seedstream.flink.active;

import io.seedstream.flink.common.IngestStage;
import io.seedstream.flink.common.KafkaSettings;
import io.seedstream.flink.common.KafkaWiring;
import io.seedstream.flink.common.LiveModels;
import io.seedstream.flink.common.RawMessage;
import io.seedstream.records.InvalidRecordException;
import io.seedstream.records.LabeledImageRecord;
import io.seedstream.records.RecordCodec;
import io.seedstream.records.Topics;
import io.seedstream.records.kafka.KafkaConnection;
import io.seedstream.segmentation.active.Candidate;
import io.seedstream.segmentation.config.SeedStreamConfig;
import io.seedstream.segmentation.data.ClassList;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.datastream.BroadcastStream;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.Collector;

/**
 * The active-learning job: unlabeled images are validated (bad ones to the dead-letter topic),
 * scored with the newest models, and a budgeted selector turns the most informative of them into
 * label requests, exactly once. Answers on images.labeled tell the selector which requests were
 * answered (label latency) and how many labels each class has.
 *
 * <pre>
 * images.unlabeled -> validate, drop duplicate ids -> score (models: broadcast) --+
 *                                                                                 +-> select (one key) -> label-requests
 * images.labeled -> ids and classes ----------------------------------------------+
 * </pre>
 */
public final class ActiveLearningJob {

    /** All selector state lives under this one key. */
    static final String SELECTOR_KEY = "selector";

    private ActiveLearningJob() {}

    public static void build(
            StreamExecutionEnvironment env, SeedStreamConfig config, ClassList classes, KafkaSettings settings) {
        KafkaConnection kafka = settings.kafka();
        Topics topics = settings.topics();
        IngestStage.Result unlabeled = IngestStage.apply(
                KafkaWiring.read(
                        env, settings, topics.unlabeledImages(), "active", "unlabeled images", "unlabeled-images"),
                classes,
                config.stream(),
                "active-learning");
        BroadcastStream<byte[]> models = KafkaWiring.read(
                        env, settings, topics.models(), "active-models", "models", "models")
                .map(RawMessage::value, PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO)
                .name("model bytes")
                .uid("model-bytes")
                .broadcast(LiveModels.STATE);
        DataStream<Candidate> scored = unlabeled
                .images()
                .keyBy(image -> image.id(), Types.STRING)
                .connect(models)
                .process(new ScoreFunction(config, classes), TypeInformation.of(Candidate.class))
                .name("score")
                .uid("score");
        DataStream<LabelFeedback> answers = KafkaWiring.read(
                        env, settings, topics.labeledImages(), "active-answers", "labeled images", "labeled-images")
                .flatMap((RawMessage message, Collector<LabelFeedback> out) -> feedback(message, classes, out))
                .returns(LabelFeedback.class)
                .name("answers")
                .uid("answers");
        scored.keyBy(candidate -> SELECTOR_KEY, Types.STRING)
                .connect(answers.keyBy(answer -> SELECTOR_KEY, Types.STRING))
                .process(new SelectFunction(
                        config.active(), classes, config.stream().duplicateIdRetention()))
                .name("select")
                .uid("select")
                .setParallelism(1)
                .sinkTo(KafkaWiring.sink(kafka, topics.labelRequests(), topics.prefix() + "label-requests"))
                .name("label requests topic")
                .uid("label-requests-sink");
        unlabeled
                .deadLetters()
                .sinkTo(KafkaWiring.deadLetterSink(
                        kafka, topics.deadLetters(), topics.prefix() + "active-dead-letters"))
                .name("dead letters")
                .uid("dead-letters-sink");
    }

    /** The id and known classes of a labeled image; the localization job dead-letters what is malformed. */
    private static void feedback(RawMessage message, ClassList classes, Collector<LabelFeedback> out) {
        LabeledImageRecord record;
        try {
            record = RecordCodec.LABELED_IMAGE.decode(message.value());
        } catch (InvalidRecordException e) {
            return;
        }
        int[] ids = record.getLabels().stream()
                .map(CharSequence::toString)
                .mapToInt(classes.names()::indexOf)
                .filter(id -> id >= 0 && id != classes.background())
                .distinct()
                .toArray();
        out.collect(new LabelFeedback(record.getId().toString(), ids));
    }
}
