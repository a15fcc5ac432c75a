package io.seedstream.flink.localization;

import io.seedstream.flink.common.EncodedRecord;
import io.seedstream.flink.common.IngestStage;
import io.seedstream.flink.common.KafkaSettings;
import io.seedstream.flink.common.KafkaWiring;
import io.seedstream.flink.common.RawMessage;
import io.seedstream.records.Topics;
import io.seedstream.records.kafka.KafkaConnection;
import io.seedstream.segmentation.config.SeedStreamConfig;
import io.seedstream.segmentation.data.ClassList;
import io.seedstream.segmentation.data.LabeledImage;
import io.seedstream.segmentation.data.WorkingSize;
import java.util.List;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.datastream.BroadcastStream;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The localization job: labeled images from Kafka are validated (bad ones to the dead-letter
 * topic), localized with the newest classifier from the models topic, teach the class memory
 * (keyed by class id), and leave as seed records on the seeds topic, exactly once.
 *
 * <pre>
 * images.labeled -> validate, drop duplicate ids -> micro-batches -> localize (classifier: broadcast from models)
 *                      |                                               |-> class features -> class memory (keyed by class) --broadcast--+
 *                      v                                               +-> seeds (with the memory) <-----------------------------------+
 *                 dead-letters                                                      v
 *                                                                                 seeds
 * </pre>
 */
public final class LocalizationJob {

    private LocalizationJob() {}

    public static void build(
            StreamExecutionEnvironment env, SeedStreamConfig config, ClassList classes, KafkaSettings settings) {
        KafkaConnection kafka = settings.kafka();
        Topics topics = settings.topics();
        DataStream<RawMessage> raw = KafkaWiring.read(
                env, settings, topics.labeledImages(), "localization", "labeled images", "labeled-images");
        IngestStage.Result ingest = IngestStage.apply(raw, classes, config.stream(), "localization");

        BroadcastStream<byte[]> models = KafkaWiring.read(
                        env, settings, topics.models(), "localization-models", "models", "models")
                .map(RawMessage::value, PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO)
                .name("model bytes")
                .uid("model-bytes")
                .broadcast(LocalizeFunction.MODELS);
        SeedStreamConfig.Stream stream = config.stream();
        int shortSide = config.trainer().shortSide();
        DataStream<List<LabeledImage>> batches = ingest.images()
                .transform(
                        "micro-batches",
                        Types.LIST(TypeInformation.of(LabeledImage.class)),
                        new MicroBatcher<LabeledImage>(
                                stream.microBatchSize(),
                                stream.microBatchMaxPixels(),
                                image -> { // its pixels in the forward passes, at its working size
                                    WorkingSize working = WorkingSize.of(image.width(), image.height(), shortSide);
                                    return (long) working.width() * working.height();
                                },
                                stream.microBatchMaxWaitMs()))
                .uid("micro-batches");
        DataStream<LocalizedImage> localized = batches.keyBy(
                        batch -> batch.get(0).id(), Types.STRING)
                .connect(models)
                .process(new LocalizeFunction(config, classes))
                .name("localize")
                .uid("localize");

        BroadcastStream<MemoryUpdate> memory = localized
                .flatMap(new MemoryFeaturesFunction(config, classes.background()))
                .name("class features")
                .uid("class-features")
                .keyBy(ClassFeatures::classId, Types.INT)
                .process(new ClassMemoryFunction(config, classes.background()))
                .name("class memory")
                .uid("class-memory")
                .broadcast(SeedFunction.MEMORY);
        DataStream<EncodedRecord> seeds = localized
                .connect(memory)
                .process(new SeedFunction(config, classes))
                .name("seeds")
                .uid("seeds");

        seeds.sinkTo(KafkaWiring.sink(kafka, topics.seeds(), topics.prefix() + "seeds"))
                .name("seeds topic")
                .uid("seeds-sink");
        ingest.deadLetters()
                .sinkTo(KafkaWiring.deadLetterSink(
                        kafka, topics.deadLetters(), topics.prefix() + "localization-dead-letters"))
                .name("dead letters")
                .uid("dead-letters-sink");
    }
}
