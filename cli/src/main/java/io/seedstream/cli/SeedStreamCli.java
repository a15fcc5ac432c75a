package io.seedstream.cli;

import io.seedstream.segmentation.nn.ConvolutionCheck;
import io.seedstream.server.ServeCommand;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code ./seedstream} command line. */
@Command(
        name = "seedstream",
        mixinStandardHelpOptions = true,
        version = "SeedStream 0.1.0",
        description = "Streaming active learning for weakly-supervised semantic segmentation.",
        subcommands = {
            ConfigCommand.class,
            SeedStreamCli.CheckEngine.class,
            PipelineCommands.Demo.class,
            PipelineCommands.Ingest.class,
            PipelineCommands.CreateTopics.class,
            ExportCommand.class,
            ServeCommand.class
        })
public final class SeedStreamCli implements Runnable {

    @Override
    public void run() {
        CommandLine.usage(this, System.out);
    }

    @Command(
            name = "check-engine",
            mixinStandardHelpOptions = true,
            description = "Check that PyTorch's CPU convolutions are finite and repeatable on this machine (exit code "
                    + CheckEngine.UNRELIABLE + " when not; ./seedstream runs it once per machine and then sets "
                    + ConvolutionCheck.ISA_VARIABLE + ").")
    static final class CheckEngine implements Callable<Integer> {
        /** The exit code for convolutions that fail the check (the script tells it from other failures). */
        static final int UNRELIABLE = 3;

        @Override
        public Integer call() {
            try {
                ConvolutionCheck.verifyCpu();
                System.out.println("convolutions are finite and repeatable (" + ConvolutionCheck.ISA_VARIABLE + " is "
                        + System.getenv().getOrDefault(ConvolutionCheck.ISA_VARIABLE, "not set") + ")");
                return 0;
            } catch (IllegalStateException e) {
                System.err.println(e.getMessage());
                return UNRELIABLE;
            }
        }
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /**
     * Every command's options listed with their descriptions wrapped at spaces only. Picocli wraps
     * them with a line BreakIterator, which breaks after '.' and ';', and split setting names
     * ("--set ficklenet." on one line, "windowSize=5" on the next). Call it once all commands are added.
     */
    public static void wrapHelpAtSpaces(CommandLine command) {
        command.getHelpSectionMap().put(CommandLine.Model.UsageMessageSpec.SECTION_KEY_OPTION_LIST, help -> {
            CommandLine.Model.CommandSpec spec = help.commandSpec();
            List<CommandLine.Model.OptionSpec> options =
                    spec.options().stream().filter(option -> !option.hidden()).toList();
            // the description column: what the usage width leaves after picocli's option columns (2 + 2 + 1 + long)
            int room = spec.usageMessage().width()
                    - 5
                    - help.calcLongOptionColumnWidth(options, spec.positionalParameters(), help.colorScheme())
                    - 2;
            return help.optionListExcludingGroups(options.stream()
                    .map(option -> option.toBuilder()
                            .names(option.names()) // as rendered: the standard help options' names are variables
                            .description(wrapAtSpaces(String.join(" ", option.renderedDescription()), room))
                            .build())
                    .toList());
        });
        command.getSubcommands().values().forEach(SeedStreamCli::wrapHelpAtSpaces);
    }

    /** Lines of at most {@code width} characters, broken at spaces (a longer word gets a line of its own). */
    static String[] wrapAtSpaces(String text, int width) {
        List<String> lines = new ArrayList<>();
        StringBuilder line = new StringBuilder();
        for (String word : text.trim().split(" +")) {
            if (line.length() > 0 && line.length() + 1 + word.length() > width) {
                lines.add(line.toString());
                line.setLength(0);
            }
            line.append(line.length() > 0 ? " " : "").append(word);
        }
        if (line.length() > 0) {
            lines.add(line.toString());
        }
        return lines.toArray(String[]::new);
    }

    /** Every command of {@code ./seedstream}: this module's and those plugged in from the class path ({@link PluggedCommand}). */
    public static CommandLine commandLine() {
        CommandLine commandLine = new CommandLine(new SeedStreamCli());
        ServiceLoader.load(PluggedCommand.class).forEach(command -> commandLine.addSubcommand(command.name(), command));
        commandLine.setCaseInsensitiveEnumValuesAllowed(true); // applies to the subcommands added above
        commandLine.setExecutionExceptionHandler((e, cmd, parsed) -> {
            if (e instanceof IllegalArgumentException) { // bad settings: say why, no stack trace
                cmd.getErr().println("seedstream: " + e.getMessage());
                return 2;
            }
            throw e;
        });
        CommandLine.IParameterExceptionHandler picocliDefault = commandLine.getParameterExceptionHandler();
        commandLine.setParameterExceptionHandler((e, args) -> {
            CommandLine cmd = e.getCommandLine();
            if (!(e instanceof CommandLine.UnmatchedArgumentException unmatched)
                    || cmd.getSubcommands().isEmpty()
                    || unmatched.getUnmatched().isEmpty()
                    || unmatched.getUnmatched().get(0).startsWith("-")) {
                return picocliDefault.handleParseException(e, args);
            }
            String typed = unmatched.getUnmatched().get(0);
            List<String> close = cmd.getSubcommands().keySet().stream()
                    .filter(name -> isTypo(typed, name))
                    .toList();
            cmd.getErr()
                    .println("seedstream: unknown command '" + typed + "'"
                            + (close.isEmpty() ? "" : "; did you mean " + String.join(" or ", close) + "?"));
            cmd.getErr()
                    .println("commands: "
                            + String.join(", ", cmd.getSubcommands().keySet()) + " (see "
                            + cmd.getCommandSpec().qualifiedName() + " --help)");
            return 2;
        });
        wrapHelpAtSpaces(commandLine);
        return commandLine;
    }

    /**
     * Whether {@code typed} is {@code name} with at most a third of its letters (at least one) wrong,
     * missing, extra or swapped with a neighbour (optimal string alignment distance).
     */
    static boolean isTypo(String typed, String name) {
        int[][] d = new int[typed.length() + 1][name.length() + 1];
        for (int i = 0; i <= typed.length(); i++) {
            for (int j = 0; j <= name.length(); j++) {
                if (i == 0 || j == 0) {
                    d[i][j] = i + j;
                    continue;
                }
                int cost = typed.charAt(i - 1) == name.charAt(j - 1) ? 0 : 1;
                d[i][j] = Math.min(d[i - 1][j - 1] + cost, Math.min(d[i - 1][j], d[i][j - 1]) + 1);
                if (i > 1
                        && j > 1
                        && typed.charAt(i - 1) == name.charAt(j - 2)
                        && typed.charAt(i - 2) == name.charAt(j - 1)) {
                    d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
                }
            }
        }
        return d[typed.length()][name.length()] <= Math.max(1, name.length() / 3);
    }
}
