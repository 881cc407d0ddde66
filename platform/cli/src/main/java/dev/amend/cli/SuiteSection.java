package dev.amend.cli;

import com.google.gson.JsonObject;
import java.util.List;
import java.util.Map;

/**
 * One table of {@code docs/results.md} that {@code ./amend bench suite} regenerates: the CLI commands that measure
 * its rows and how their JSON answers become the table.
 *
 * @param name     the section's name on the command line and in the document's markers
 * @param title    the section's heading
 * @param about    what the table shows and which sample each figure comes from (markdown, above the table)
 * @param rows     the runs, in table order
 * @param renderer turns the stored answers of the rows into the table
 */
record SuiteSection(String name, String title, String about, List<Row> rows, Renderer renderer) {

    /**
     * One run of the CLI.
     *
     * @param name  the row's name, unique in its section
     * @param label what the row is, as the table shows it
     * @param args  the command line after {@code ./amend}; it must print one JSON object (its {@code --json})
     * @param needs files the run reads (relative to the repository root); the row is skipped while one is absent
     */
    record Row(String name, String label, List<String> args, List<String> needs) {
        /** Returns a row that needs no file. */
        Row(String name, String label, List<String> args) {
            this(name, label, args, List.of());
        }

        /** Returns the command as a user types it. */
        String command() {
            return "./amend " + String.join(" ", args);
        }
    }

    /** Renders a section's table from the stored answers of its rows (row name → run; rows never run are absent). */
    interface Renderer {
        /** Returns the markdown table (and any notes under it) of {@code section}. */
        String render(SuiteSection section, Map<String, Run> runs);
    }

    /**
     * A stored answer of one row.
     *
     * @param command the command line that produced it
     * @param commit  the commit of the code that ran it ({@code +changes} when tracked sources differed from it)
     * @param cores   the machine's core count
     * @param date    when it finished (UTC, ISO-8601 date and time)
     * @param seconds how long it ran
     * @param result  the JSON object the command printed
     */
    record Run(String command, String commit, int cores, String date, double seconds, JsonObject result) {
    }

    /** Returns the row named {@code rowName}, or null. */
    Row row(String rowName) {
        return rows.stream().filter(r -> r.name().equals(rowName)).findFirst().orElse(null);
    }
}
