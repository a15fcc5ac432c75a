package io.seedstream.cli;

import io.seedstream.records.ConfigOptions;
import io.seedstream.segmentation.config.SeedStreamConfig;
import io.seedstream.segmentation.config.SettingCatalog;
import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code ./seedstream config}: every setting with its value, default, allowed values and documentation. */
@Command(
        name = "config",
        mixinStandardHelpOptions = true,
        description = "List every setting with its value, type, allowed values and documentation"
                + " (with --config and --set: the effective values, changed ones marked with their default).")
final class ConfigCommand implements Callable<Integer> {
    /** Documentation lines are wrapped to this width, as the help is. */
    private static final int WIDTH = 100;

    @Mixin
    ConfigOptions config = new ConfigOptions();

    @Parameters(
            arity = "0..*",
            paramLabel = "FILTER",
            description = "only the settings whose key contains one of these (any case), e.g. ficklenet or passes")
    List<String> filters = List.of();

    @Option(names = "--json", description = "print the effective configuration as JSON instead")
    boolean json;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        SeedStreamConfig effective = config.load();
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(effective.toJson());
            return 0;
        }
        List<SettingCatalog.Entry> shown = SettingCatalog.all().stream()
                .filter(entry -> filters.isEmpty()
                        || filters.stream()
                                .anyMatch(f ->
                                        entry.key().toLowerCase(Locale.ROOT).contains(f.toLowerCase(Locale.ROOT))))
                .toList();
        if (shown.isEmpty()) {
            throw new IllegalArgumentException("no setting's key contains " + String.join(" or ", filters));
        }
        String group = null;
        for (SettingCatalog.Entry entry : shown) {
            if (!entry.group().isEmpty() && !entry.group().equals(group)) {
                group = entry.group();
                out.println();
                out.println(entry.key().substring(0, entry.key().indexOf('.')));
                printWrapped(out, group, "  ");
            }
            String value = entry.valueIn(effective);
            out.println();
            out.println("  " + entry.key() + " = " + value
                    + (value.equals(entry.defaultValue()) ? "" : "  (default " + entry.defaultValue() + ")")
                    + "  [" + entry.type() + (entry.allowed().isEmpty() ? "" : ", " + entry.allowed()) + "]");
            printWrapped(out, entry.doc(), "      ");
        }
        out.flush();
        return 0;
    }

    private static void printWrapped(PrintWriter out, String text, String indent) {
        for (String line : SeedStreamCli.wrapAtSpaces(text, WIDTH - indent.length())) {
            out.println(indent + line);
        }
    }
}
