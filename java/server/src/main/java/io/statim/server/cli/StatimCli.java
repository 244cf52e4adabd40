package io.statim.server.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code statim} command line: {@code statim serve ...}. */
@Command(name = "statim", mixinStandardHelpOptions = true, version = io.statim.server.StatimServer.VERSION,
        description = "Statim: an inference server for latency-critical clinical AI.",
        subcommands = {ServeCommand.class, RouteCommand.class, DoctorCommand.class, CommandLine.HelpCommand.class})
public final class StatimCli implements Runnable {
    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }

    /** Runs the command line and exits with its status. */
    public static void main(String[] args) {
        int code = new CommandLine(new StatimCli()).setCaseInsensitiveEnumValuesAllowed(true).execute(args);
        if (code != 0) {
            System.exit(code);
        }
    }
}
