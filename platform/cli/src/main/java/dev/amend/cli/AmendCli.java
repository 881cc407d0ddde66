package dev.amend.cli;

import dev.amend.spi.InvalidRequestException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code ./amend} command line. */
@Command(name = "amend", mixinStandardHelpOptions = true, version = "amend 0.1.0",
        description = "Edit the knowledge inside language models.",
        subcommands = {DemoCommand.class, GenerateCommand.class, EditCommand.class, TraceCommand.class, LocateLayersCommand.class, StatsCommand.class, BenchCommand.class, TrainDemoCommand.class, TrainMendCommand.class, PluginsCommand.class, LedgerCommand.class, CommandLine.HelpCommand.class})
public final class AmendCli implements Runnable {

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    /** Runs the command line and exits with its status. */
    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the command line and returns its exit status (for tests). */
    public static int run(String... args) {
        return commandLine().execute(args);
    }

    /** Returns the configured command line: enum options case-insensitive, bad requests as exit status 2. */
    static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new AmendCli());
        cli.setCaseInsensitiveEnumValuesAllowed(true);
        cli.setExecutionExceptionHandler((ex, line, parsed) -> {
            if (ex instanceof InvalidRequestException) {
                line.getErr().println("amend: " + ex.getMessage());
                return 2;
            }
            if (ex instanceof dev.amend.runtime.ledger.LedgerException) {
                line.getErr().println("amend: " + ex.getMessage());
                return 1;
            }
            throw ex;
        });
        return cli;
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}
