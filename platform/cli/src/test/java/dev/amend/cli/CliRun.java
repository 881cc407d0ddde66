package dev.amend.cli;

/** Runs the command line in this JVM for tests, capturing what it prints. */
final class CliRun {
    private CliRun() {
    }

    /** Runs the CLI and returns [exit code, stdout, stderr]. */
    static Object[] run(String... args) {
        CapturedRun r = CapturedRun.of(args);
        return new Object[] {r.code(), r.out(), r.err()};
    }
}
