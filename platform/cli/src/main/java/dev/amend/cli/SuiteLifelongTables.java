package dev.amend.cli;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The section of {@code bench suite} that runs each lifelong method over 1,000 sequential edits. */
final class SuiteLifelongTables {
    /** Where the section's runs write their files, relative to {@code docs/} (where results.md is). */
    static final String DEMO_DIR = "lifelong-demo";
    /** The methods, one row each, in table order. */
    static final List<String> METHODS = List.of("grace", "wise", "ultraedit", "alphaedit", "memit");
    /** Edits each method makes. */
    static final String EDITS = "1000";
    /** The seed of the draw. */
    static final String SEED = "2";
    /** Seconds of editing after which a method stops at its next checkpoint. */
    static final String MAX_EDIT_SECONDS = "900";
    /** MEMIT's budget: the slowest method (about 1.7 s per edit) stops at 500 edits, keeping a row under 20 minutes. */
    static final String MEMIT_MAX_EDIT_SECONDS = "600";

    private SuiteLifelongTables() {
    }

    /** Returns the section: one {@code bench lifelong} run per method. */
    static SuiteSection section() {
        List<SuiteSection.Row> rows = new ArrayList<>();
        for (String m : METHODS) {
            rows.add(new SuiteSection.Row(m, m, List.of("bench", "lifelong", "--methods", m, "--edits", EDITS, "--seed",
                    SEED, "--split", "untuned", "--out", "docs/" + DEMO_DIR + "/" + m, "--max-edit-seconds",
                    m.equals("memit") ? MEMIT_MAX_EDIT_SECONDS : MAX_EDIT_SECONDS, "--json")));
        }
        return new SuiteSection("lifelong", "Lifelong editing: 1,000 sequential edits",
                "Each method with its demo profile makes 1,000 edits one at a time, each on the model its earlier edits"
                        + " left, drawn from the untuned split (seed " + SEED + "; every fact but the validation split's,"
                        + " since the held-out split has only 197 subjects). At each checkpoint the CounterFact figures"
                        + " (probability comparison) are over all edits so far; *untouched kept* compares the greedy"
                        + " answers of 50 facts no edit touches with the unedited model's. Neighbourhood prompts never"
                        + " name a subject the run itself edits. A method stops at its first checkpoint after "
                        + MAX_EDIT_SECONDS + " s of editing (`--max-edit-seconds`; MEMIT, the slowest, after "
                        + MEMIT_MAX_EDIT_SECONDS + " s).",
                rows, SuiteLifelongTables::render);
    }

    /** Returns the checkpoint table, the table of time, size and stops per method, the pictures and the provenance. */
    static String render(SuiteSection section, Map<String, SuiteSection.Run> runs) {
        StringBuilder t = new StringBuilder("| method | edits | efficacy | generalisation | specificity | untouched kept |"
                + "\n|---|---:|---:|---:|---:|---:|\n");
        StringBuilder cost = new StringBuilder("| method | s/edit | stored per 100 edits | of which adapters "
                + "| stopped at (edits) |\n|---|---:|---:|---:|---:|\n");
        List<String> pictures = new ArrayList<>();
        for (SuiteSection.Row row : section.rows()) {
            JsonObject m = method(runs.get(row.name()), row.name());
            if (m == null) {
                t.append("| `").append(row.label()).append("` | not measured yet | | | | |\n");
                cost.append("| `").append(row.label()).append("` | not measured yet | | | |\n");
                continue;
            }
            for (JsonElement e : m.getAsJsonArray("checkpoints")) {
                JsonObject c = e.getAsJsonObject();
                t.append("| `").append(row.label()).append("` | ").append(c.get("edits").getAsInt()).append(" | ")
                        .append(SuiteTables.fixed(SuiteTables.num(c, "efficacy"), 2)).append(" | ")
                        .append(SuiteTables.fixed(SuiteTables.num(c, "generalization"), 2)).append(" | ")
                        .append(SuiteTables.fixed(SuiteTables.num(c, "specificity"), 2)).append(" | ")
                        .append(SuiteTables.fixed(SuiteTables.num(c, "untouched_kept"), 2)).append(" |\n");
            }
            double stopped = SuiteTables.num(m, "stopped_at");
            cost.append("| `").append(row.label()).append("` | ")
                    .append(SuiteTables.fixed(SuiteTables.num(m, "seconds_per_edit"), 3)).append(" | ")
                    .append(bytes(SuiteTables.num(m, "stored_bytes_per_100_edits"))).append(" | ")
                    .append(bytes(SuiteTables.num(m, "adapter_bytes_per_100_edits"))).append(" | ")
                    .append(stopped > 0 ? String.valueOf((long) stopped) : "—").append(" |\n");
            pictures.add("[" + row.label() + "](" + DEMO_DIR + "/" + row.name() + "/lifelong.png)");
        }
        t.append('\n').append(cost).append("\nSizes in KB (1,000 bytes) or MB (1,000,000 bytes): what the edits keep,"
                + " deltas and adapters together. s/edit is the editor's compute time, scoring excluded.\n\n");
        if (!pictures.isEmpty()) {
            t.append("Pictures (one panel per figure): ").append(String.join(", ", pictures))
                    .append(".\n\n");
        }
        return t + SuiteTables.provenance(section, runs);
    }

    /** Returns method {@code name}'s entry of {@code run}'s answer, or null when the row was not measured. */
    private static JsonObject method(SuiteSection.Run run, String name) {
        if (run == null || !run.result().has("methods")) {
            return null;
        }
        JsonObject methods = run.result().getAsJsonObject("methods");
        return methods.has(name) ? methods.getAsJsonObject(name) : null;
    }

    /** Returns {@code bytes} in KB (1,000 bytes) below a million, else in MB (1,000,000 bytes); "—" when unknown. */
    static String bytes(double bytes) {
        if (Double.isNaN(bytes)) {
            return "—";
        }
        return bytes < 1e6 ? SuiteTables.fixed(bytes / 1e3, 1) + " KB" : SuiteTables.fixed(bytes / 1e6, 1) + " MB";
    }
}
