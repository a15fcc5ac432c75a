/**
 * The job jar's entry point ({@link io.seedstream.flink.ClusterJob}), the cluster the jobs run on
 * ({@link io.seedstream.flink.FlinkCluster}, local or remote), and the Flink settings every job
 * runs with. Depends on the three job packages and {@code common}.
 */
package io.seedstream.flink;
