package dev.amend.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * A run of the command line in this JVM with what it printed captured (the GPU check and the tests use it).
 *
 * @param code the exit status
 * @param out  what it printed on stdout
 * @param err  what it printed on stderr
 */
record CapturedRun(int code, String out, String err) {

    /** Returns the run of the CLI with {@code args}; System.out and System.err are restored afterwards. */
    static CapturedRun of(String... args) {
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
        try {
            int code = AmendCli.run(args);
            return new CapturedRun(code, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
    }
}
