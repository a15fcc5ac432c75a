/**
 * The localization job: micro-batched class maps with the live classifier, the class memory as
 * keyed state, and seeds with region growing. Depends on {@code common}, never on another job.
 */
package io.seedstream.flink.localization;
