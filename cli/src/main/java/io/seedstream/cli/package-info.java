/**
 * {@code ./seedstream}: every command ({@link io.seedstream.cli.SeedStreamCli}), with commands from
 * modules above it plugged in from the class path ({@link io.seedstream.cli.PluggedCommand}).
 * Depends on the jobs, the server and the embedded broker.
 */
package io.seedstream.cli;
