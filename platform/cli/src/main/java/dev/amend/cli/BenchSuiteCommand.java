package dev.amend.cli;

import dev.amend.spi.InvalidRequestException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code amend bench suite}: regenerates the tables of {@code docs/results.md}. Each section runs its rows' CLI
 * commands in this process (the same code as typing them), keeps their JSON answers in a store beside the document,
 * and renders its table from the store, with each row's command, commit, core count and date.
 */
@Command(name = "suite", mixinStandardHelpOptions = true,
        description = "Regenerate the tables of docs/results.md: run each section's bench commands in-process, keep "
                + "their answers in a JSON store, render the tables with their commands, seeds, split, commit and core "
                + "count. Run it from the repository root.")
final class BenchSuiteCommand implements Callable<Integer> {
    @Option(names = "--sections", split = ",", paramLabel = "NAME,...", description = "Sections to run (default: all). "
            + "Sections: counterfact, tuning, sequential, longform, facts, forward, editing, linalg, scale.")
    List<String> sections;

    @Option(names = "--rows", split = ",", paramLabel = "NAME,...", description = "Run only these rows of the chosen "
            + "sections (see --list); the other rows' stored answers stay in the tables.")
    List<String> rows;

    @Option(names = "--out", paramLabel = "FILE", description = "Write the sections into FILE (e.g. docs/results.md): "
            + "each between its <!-- bench suite: NAME --> markers, a new one before the \"## History\" heading; "
            + "everything else in the file, and the sections not run, stay as they are. Without it the sections are "
            + "printed.")
    Path out;

    @Option(names = "--store", paramLabel = "FILE", description = "The JSON store of the rows' answers (default: FILE of "
            + "--out with .json in place of .md; without --out, none).")
    Path store;

    @Option(names = "--no-run", description = "Run nothing: render the chosen sections from the store.")
    boolean noRun;

    @Option(names = "--list", description = "List the sections, their rows and commands, and what the store holds.")
    boolean list;

    @Override
    public Integer call() {
        List<SuiteSection> chosen = chosen();
        SuiteStore answers = SuiteStore.open(storeFile());
        if (list) {
            list(chosen, answers);
            return 0;
        }
        SuiteRunner runner = new SuiteRunner(answers, Path.of(System.getProperty("amend.home", ".")));
        int failed = 0;
        Map<String, String> bodies = new LinkedHashMap<>();
        for (SuiteSection s : chosen) {
            if (!noRun) {
                if (!SuiteRunner.available(s)) {
                    System.err.println("bench suite: section " + s.name() + " skipped: this build has no `"
                            + s.rows().get(0).command().replace("./amend ", "") + "` command");
                    continue;
                }
                for (SuiteSection.Row row : s.rows()) {
                    if (rows == null || rows.contains(row.name()) || rows.contains(s.name() + "/" + row.name())) {
                        failed += runner.run(s, row) ? 0 : 1;
                    }
                }
            }
            if (!answers.of(s).isEmpty()) {
                bodies.put(s.name(), render(s, answers));
            }
        }
        if (out == null) {
            bodies.values().forEach(b -> System.out.println(b + "\n"));
        } else {
            write(bodies);
        }
        return failed == 0 ? 0 : 1;
    }

    /** Returns the section's markdown: heading, what it shows, the table and where its figures come from. */
    static String render(SuiteSection s, SuiteStore answers) {
        return "## " + s.title() + "\n\n" + s.about() + "\n\n" + s.renderer().render(s, answers.of(s)).strip();
    }

    private List<SuiteSection> chosen() {
        List<SuiteSection> all = SuiteSections.all();
        if (sections == null) {
            return all;
        }
        List<SuiteSection> out = new ArrayList<>();
        for (String name : sections) {
            out.add(all.stream().filter(s -> s.name().equals(name)).findFirst().orElseThrow(() ->
                    new InvalidRequestException("no section \"" + name + "\": choose from "
                            + all.stream().map(SuiteSection::name).toList())));
        }
        return out;
    }

    private Path storeFile() {
        if (store != null) {
            return store;
        }
        return out == null ? null : out.resolveSibling(out.getFileName().toString().replaceFirst("\\.md$", "") + ".json");
    }

    private void write(Map<String, String> bodies) {
        try {
            String doc = Files.isRegularFile(out) ? Files.readString(out, StandardCharsets.UTF_8) : "# Measured results\n";
            Files.writeString(out, SuiteDocument.merge(doc, bodies), StandardCharsets.UTF_8);
            System.err.println("bench suite: wrote " + bodies.keySet() + " into " + out);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + out + ": " + e.getMessage(), e);
        }
    }

    private static void list(List<SuiteSection> chosen, SuiteStore answers) {
        for (SuiteSection s : chosen) {
            System.out.println(s.name() + (SuiteRunner.available(s) ? "" : " (this build has no such command)"));
            for (SuiteSection.Row row : s.rows()) {
                SuiteSection.Run r = answers.get(s.name() + "/" + row.name());
                System.out.println("  " + row.name() + ": " + row.command()
                        + (r == null ? "" : "  [stored: commit " + r.commit() + ", " + r.date() + "]"));
            }
        }
    }
}
