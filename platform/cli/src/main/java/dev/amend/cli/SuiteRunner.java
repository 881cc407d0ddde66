package dev.amend.cli;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;

/** Runs one row of a {@link SuiteSection}: its command in this process, its JSON answer stored with its provenance. */
final class SuiteRunner {
    private static final DateTimeFormatter DATE = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'");

    private final SuiteStore store;
    private final Path home;
    private String commit;

    /** Creates a runner that records into {@code store}; {@code home} is the repository whose commit is recorded. */
    SuiteRunner(SuiteStore store, Path home) {
        this.store = store;
        this.home = home;
    }

    /** Returns true when this build has the command of the section's rows. */
    static boolean available(SuiteSection s) {
        CommandLine cli = AmendCli.commandLine();
        for (String word : s.rows().get(0).args()) {
            if (word.startsWith("-")) {
                break;
            }
            cli = cli.getSubcommands().get(word);
            if (cli == null) {
                return false;
            }
        }
        return true;
    }

    /**
     * Runs {@code row} of {@code section} and stores its answer; returns false when it failed (the store keeps the
     * earlier answer). A row whose input file is absent is skipped (true, nothing stored).
     */
    boolean run(SuiteSection section, SuiteSection.Row row) {
        for (String need : row.needs()) {
            if (!Files.exists(Path.of(need))) {
                System.err.println("bench suite: " + section.name() + "/" + row.name() + " skipped: " + need + " is absent");
                return true;
            }
        }
        String ranOn = commit(); // before the run: the code this JVM loaded
        System.err.println("bench suite: " + section.name() + "/" + row.name() + ": " + row.command());
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        PrintStream stdout = System.out;
        long t0 = System.nanoTime();
        int code;
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            code = AmendCli.commandLine().execute(row.args().toArray(String[]::new));
        } finally {
            System.setOut(stdout);
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        String text = captured.toString(StandardCharsets.UTF_8).strip();
        String last = text.isEmpty() ? "" : text.substring(text.lastIndexOf('\n') + 1);
        if (code != 0 || !last.startsWith("{")) {
            System.err.println("bench suite: " + section.name() + "/" + row.name() + " failed (exit " + code + ")"
                    + (text.isEmpty() ? "" : ": " + last));
            return false;
        }
        JsonObject result = JsonParser.parseString(last).getAsJsonObject();
        store.put(section.name() + "/" + row.name(), new SuiteSection.Run(row.command(), ranOn,
                Runtime.getRuntime().availableProcessors(), DATE.format(ZonedDateTime.now(ZoneOffset.UTC)), seconds,
                result));
        return true;
    }

    /**
     * Returns the short commit of the code that runs, with {@code +changes} when the sources the launcher builds
     * from (any {@code src/main} file, any {@code pom.xml}) differ from it or are untracked, or {@code unknown}
     * without git.
     */
    String commit() {
        if (commit == null) {
            String head = git("rev-parse", "--short=7", "HEAD");
            String changes = git("status", "--porcelain", "--untracked-files=all", "--", ":(glob)**/src/main/**",
                    ":(glob)**/pom.xml");
            commit = head == null || head.isBlank() ? "unknown" : head.strip() + (changes == null || changes.isBlank()
                    ? "" : "+changes");
        }
        return commit;
    }

    private String git(String... args) {
        try {
            List<String> cmd = new java.util.ArrayList<>(List.of("git", "-C", home.toString()));
            cmd.addAll(List.of(args));
            Process p = new ProcessBuilder(cmd).redirectErrorStream(false).start();
            String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0 ? text : null;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }
}
