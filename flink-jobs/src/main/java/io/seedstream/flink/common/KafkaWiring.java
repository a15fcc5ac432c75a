package io.seedstream.flink.common;

import io.seedstream.records.DeadLetter;
import io.seedstream.records.RecordCodec;
import io.seedstream.records.kafka.KafkaConnection;
import io.seedstream.records.kafka.TopicSetup;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Properties;
import java.util.UUID;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/** The Kafka sources and sinks of the jobs, configured once: raw bytes in, exactly-once out. */
public final class KafkaWiring {

    /**
     * Below the broker's default {@code transaction.max.timeout.ms} (15 minutes), or the sink's
     * transactions are refused.
     */
    public static final int TRANSACTION_TIMEOUT_MS = 10 * 60 * 1000;

    private KafkaWiring() {}

    /**
     * A job's stream of every message of {@code topic}, undecoded, read as consumer group
     * prefix + {@code group}; the source operator is named {@code name} and has the stable {@code uid}.
     */
    public static DataStream<RawMessage> read(
            StreamExecutionEnvironment env,
            KafkaSettings settings,
            String topic,
            String group,
            String name,
            String uid) {
        return env.fromSource(
                        rawSource(settings.kafka(), topic, settings.topics().prefix() + group, settings.bounded()),
                        WatermarkStrategy.noWatermarks(),
                        name)
                .uid(uid);
    }

    /** Every message of the topic, undecoded; bounded sources stop at the offsets current at start. */
    public static KafkaSource<RawMessage> rawSource(
            KafkaConnection kafka, String topic, String groupId, boolean bounded) {
        var builder = KafkaSource.<RawMessage>builder()
                .setProperties(kafka.properties())
                .setBootstrapServers(kafka.bootstrapServers())
                .setTopics(topic)
                .setGroupId(groupId)
                .setStartingOffsets(OffsetsInitializer.earliest())
                .setProperty("isolation.level", "read_committed")
                // The offsets that count are in the checkpoints. Committing them to the group as well
                // queues a commit per checkpoint on the fetcher, which a backpressured source does not
                // run: with unaligned checkpoints completing meanwhile, dozens failed at once in a demo
                // (a warning and a stack each), and nothing reads the group's offsets.
                .setProperty("commit.offsets.on.checkpoint", "false")
                .setDeserializer(new RawDeserializer());
        if (bounded) {
            builder.setBounded(OffsetsInitializer.latest());
        }
        return builder.build();
    }

    /** A consumer of committed records only, from the start of its topics, as a new group (for readers outside the jobs). */
    public static KafkaConsumer<byte[], byte[]> committedReader(KafkaConnection kafka, String groupPrefix) {
        Properties p = kafka.properties();
        p.put("group.id", groupPrefix + UUID.randomUUID());
        p.put("auto.offset.reset", "earliest");
        p.put("isolation.level", "read_committed");
        p.put("key.deserializer", ByteArrayDeserializer.class.getName());
        p.put("value.deserializer", ByteArrayDeserializer.class.getName());
        return new KafkaConsumer<>(p);
    }

    /** Encoded records to a topic, in checkpointed Kafka transactions (exactly once). */
    public static KafkaSink<EncodedRecord> sink(KafkaConnection kafka, String topic, String transactionalIdPrefix) {
        KafkaRecordSerializationSchema<EncodedRecord> serializer = (record, context, timestamp) ->
                new ProducerRecord<>(topic, record.key().getBytes(StandardCharsets.UTF_8), record.value());
        return exactlyOnce(kafka, serializer, transactionalIdPrefix);
    }

    /** Dead letters, written in checkpointed Kafka transactions (exactly once). */
    public static KafkaSink<RejectedRecord> deadLetterSink(
            KafkaConnection kafka, String topic, String transactionalIdPrefix) {
        KafkaRecordSerializationSchema<RejectedRecord> serializer =
                (rejected, context, timestamp) -> new ProducerRecord<>(
                        topic,
                        rejected.key(),
                        RecordCodec.DEAD_LETTER.encode(DeadLetter.newBuilder()
                                .setStage(rejected.stage())
                                .setReason(rejected.reason())
                                .setSourceTopic(rejected.sourceTopic())
                                .setKey(rejected.key() == null ? null : ByteBuffer.wrap(rejected.key()))
                                .setOriginal(rejected.original() == null ? null : ByteBuffer.wrap(rejected.original()))
                                .setTimestampMs(rejected.timestampMs())
                                .build()));
        return exactlyOnce(kafka, serializer, transactionalIdPrefix);
    }

    private static <T> KafkaSink<T> exactlyOnce(
            KafkaConnection kafka, KafkaRecordSerializationSchema<T> serializer, String transactionalIdPrefix) {
        return KafkaSink.<T>builder()
                .setKafkaProducerConfig(kafka.properties())
                .setBootstrapServers(kafka.bootstrapServers())
                .setRecordSerializer(serializer)
                .setDeliveryGuarantee(DeliveryGuarantee.EXACTLY_ONCE)
                .setTransactionalIdPrefix(transactionalIdPrefix)
                .setProperty("transaction.timeout.ms", String.valueOf(TRANSACTION_TIMEOUT_MS))
                .setProperty("max.request.size", String.valueOf(TopicSetup.MAX_MODEL_BYTES))
                .build();
    }

    private static final class RawDeserializer implements KafkaRecordDeserializationSchema<RawMessage> {
        @Override
        public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<RawMessage> out) {
            out.collect(new RawMessage(
                    record.topic(),
                    record.partition(),
                    record.offset(),
                    record.key(),
                    record.value(),
                    record.timestamp()));
        }

        @Override
        public TypeInformation<RawMessage> getProducedType() {
            return TypeInformation.of(RawMessage.class);
        }
    }
}
