/**
 * The trainer job: seeds joined with their images, the streaming trainer as a Flink operator, and
 * the published models. Depends on {@code common}, never on another job.
 */
package io.seedstream.flink.training;
