package io.seedstream.flink.training;

import io.seedstream.flink.common.EncodedRecord;
import io.seedstream.flink.common.IngestStage;
import io.seedstream.flink.common.KafkaSettings;
import io.seedstream.flink.common.KafkaWiring;
import io.seedstream.records.Topics;
import io.seedstream.records.kafka.KafkaConnection;
import io.seedstream.segmentation.config.SeedStreamConfig;
import io.seedstream.segmentation.data.ClassList;
import io.seedstream.segmentation.data.LabeledImage;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The trainer job: labeled images (validated as the localization job does; that job reports the
 * bad ones) and seed records are paired by image id into samples, and one trainer subtask keeps
 * training the classifier and the segmenter, publishing snapshots with their held-out mIoU to the
 * models topic, exactly once.
 *
 * <pre>
 * images.labeled -> validate, drop duplicate ids --+
 *                                                  +-> pair by image id -> train (parallelism 1) -> models
 * seeds -> decode (bad ones: dead-letters) --------+
 * </pre>
 */
public final class TrainerJob {

    private TrainerJob() {}

    public static void build(
            StreamExecutionEnvironment env, SeedStreamConfig config, ClassList classes, KafkaSettings settings) {
        KafkaConnection kafka = settings.kafka();
        Topics topics = settings.topics();
        DataStream<LabeledImage> images = IngestStage.apply(
                        KafkaWiring.read(
                                env,
                                settings,
                                topics.labeledImages(),
                                "trainer",
                                "labeled images",
                                "trainer-labeled-images"),
                        classes,
                        config.stream(),
                        "trainer")
                .images();
        SingleOutputStreamOperator<PseudoLabel> seeds = KafkaWiring.read(
                        env, settings, topics.seeds(), "trainer-seeds", "seeds", "trainer-seeds")
                .process(new DecodeSeeds())
                .name("decode seeds")
                .uid("decode-seeds");

        DataStream<EncodedRecord> models = images.keyBy(LabeledImage::id, Types.STRING)
                .connect(seeds.keyBy(PseudoLabel::imageId, Types.STRING))
                .process(new SeedJoinFunction(config.trainer().pairingRetention()))
                .name("pair images and seeds")
                .uid("pair-images-seeds")
                .keyBy(sample -> TrainFunction.KEY, Types.INT)
                .process(new TrainFunction(config, classes))
                .name("train")
                .uid("train")
                .setParallelism(1)
                .setMaxParallelism(1);

        models.sinkTo(KafkaWiring.sink(kafka, topics.models(), topics.prefix() + "models"))
                .name("models topic")
                .uid("models-sink");
        seeds.getSideOutput(DecodeSeeds.REJECTED)
                .sinkTo(KafkaWiring.deadLetterSink(
                        kafka, topics.deadLetters(), topics.prefix() + "trainer-dead-letters"))
                .name("dead letters")
                .uid("trainer-dead-letters-sink");
    }
}
