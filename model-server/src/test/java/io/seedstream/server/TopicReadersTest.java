package io.seedstream.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.junit.jupiter.api.Test;

/** The server's feeds outlive Kafka's refusals: an ACL fixed later brings them back without a restart. */
class TopicReadersTest {

    private static final TopicPartition MODELS = new TopicPartition("seedstream.models", 0);

    @Test
    void aRefusedPollIsReportedAndTheNextOneReadsAgain() {
        MockConsumer<byte[], byte[]> consumer = new MockConsumer<>("earliest");
        consumer.assign(List.of(MODELS));
        consumer.updateBeginningOffsets(Map.of(MODELS, 0L));
        TopicReaders.FeedProblem problem = new TopicReaders.FeedProblem("the test feed", Duration.ofMillis(1));

        consumer.setPollException(new TopicAuthorizationException(Set.of(MODELS.topic())));
        assertThat(TopicReaders.poll(consumer, Duration.ZERO, problem)).isEmpty();
        assertThat(problem.current()).startsWith("TopicAuthorizationException").contains(MODELS.topic());

        consumer.addRecord(new ConsumerRecord<>(MODELS.topic(), 0, 0, new byte[] {1}, new byte[] {2}));
        assertThat(TopicReaders.poll(consumer, Duration.ZERO, problem)).hasSize(1);
        assertThat(problem.current()).as("reading again").isNull();
    }

    @Test
    void aTopicThatMayNotBeDescribedIsWaitedForNotFatal() {
        MockConsumer<byte[], byte[]> consumer = new MockConsumer<>("earliest") {
            private int calls;

            @Override
            public synchronized List<PartitionInfo> partitionsFor(String topic, Duration timeout) {
                if (calls++ == 0) {
                    throw new TopicAuthorizationException(Set.of(topic));
                }
                return List.of(new PartitionInfo(topic, 0, null, null, null));
            }
        };
        TopicReaders.FeedProblem problem = new TopicReaders.FeedProblem("the test feed", Duration.ofMillis(1));

        assertThat(TopicReaders.awaitPartitions(consumer, MODELS.topic(), () -> true, problem))
                .containsExactly(MODELS);
        assertThat(problem.current()).as("cleared once granted").isNull();
    }
}
