package io.seedstream.cli;

/**
 * A top-level command that a module above the command line adds to {@code ./seedstream} (the
 * benchmarks add {@code bench}): a picocli command, listed in that module's
 * {@code META-INF/services/io.seedstream.cli.PluggedCommand} and found on the class path, so that the
 * command line does not depend on that module.
 */
public interface PluggedCommand {

    /** The command's name on the command line. */
    String name();
}
