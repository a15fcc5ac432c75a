/**
 * The demo's runner on one machine: the embedded broker, the local Flink cluster with the three
 * jobs, the producer, the oracle that answers label requests, the data directory a restart resumes
 * from, and the status line.
 */
package io.seedstream.cli.local;
