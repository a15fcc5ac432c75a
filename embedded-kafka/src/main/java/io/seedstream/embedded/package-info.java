/**
 * {@link io.seedstream.embedded.EmbeddedKafka}: a single-node KRaft broker in this JVM, how the
 * tests, the demo and the benchmarks start Kafka. Depends on the Kafka jars only.
 */
package io.seedstream.embedded;
