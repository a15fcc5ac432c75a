/**
 * The active-learning job: scores unlabeled images with the live models and selects those to ask
 * people about. Depends on {@code common}, never on another job.
 */
package io.seedstream.flink.active;
