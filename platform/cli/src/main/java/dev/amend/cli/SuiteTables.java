package dev.amend.cli;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The tables of {@code bench suite}'s sections, rendered from the JSON answers of their rows. */
final class SuiteTables {
    private static final List<String[]> COUNTERFACT = List.of(
            new String[] {"efficacy", "efficacy"}, new String[] {"generalization", "generalisation"},
            new String[] {"specificity", "specificity"}, new String[] {"generation_efficacy", "efficacy"},
            new String[] {"generation_generalization", "generalisation"},
            new String[] {"generation_specificity", "specificity"}, new String[] {"token_accuracy", "reliability"});
    private static final List<String[]> LONGFORM = List.of(
            new String[] {"rougeL_recall", "ROUGE-L recall"}, new String[] {"para_rougeL_recall", "para ROUGE-L recall"},
            new String[] {"bleu_char", "BLEU (char)"}, new String[] {"semantic_similarity", "semantic similarity"},
            new String[] {"sub_question_answer_rate", "sub-questions answered"},
            new String[] {"sub_question_rougeL_recall", "sub-question ROUGE-L recall"},
            new String[] {"multihop_new_answer_rate", "multi-hop: new answer named"},
            new String[] {"multihop_old_answer_rate", "multi-hop: old answer named"});

    private SuiteTables() {
    }

    /** Returns the headline table: each figure as mean ± sample standard deviation over the seeds. */
    static String counterfact(SuiteSection section, Map<String, SuiteSection.Run> runs) {
        StringBuilder t = new StringBuilder("| method | edits × seeds | CounterFact efficacy | generalisation | specificity "
                + "| generation-match efficacy | generalisation | specificity | EasyEdit reliability | s/edit |\n"
                + "|---|---|---|---|---|---|---|---|---|---|\n");
        for (SuiteSection.Row row : section.rows()) {
            SuiteSection.Run run = runs.get(row.name());
            t.append("| `").append(row.label()).append("` | ");
            if (run == null) {
                t.append("not measured yet |".repeat(9)).append('\n');
                continue;
            }
            JsonObject r = run.result();
            t.append(r.get("edits").getAsInt()).append(" × ").append(r.getAsJsonArray("seeds").size()).append(" | ");
            for (String[] f : COUNTERFACT) {
                t.append(spread(r, f[0])).append(" | ");
            }
            t.append(fixed(num(r, "seconds_per_edit"), 2)).append(" |\n");
        }
        return t + "\n" + provenance(section, runs);
    }

    /** Returns the tuning tables: CounterFact rows of one seed, then AnyEdit's long-form rows. */
    static String tuning(SuiteSection section, Map<String, SuiteSection.Run> runs) {
        StringBuilder cf = new StringBuilder("| method | setting (`--hparams`) | CounterFact efficacy | generalisation "
                + "| specificity | generation-match efficacy | generalisation | specificity | EasyEdit reliability "
                + "| s/edit |\n|---|---|---|---|---|---|---|---|---|---|\n");
        StringBuilder lf = new StringBuilder("| method | setting (`--hparams`) | items | ROUGE-L recall "
                + "| para ROUGE-L recall | sub-questions answered | s/edit |\n|---|---|---|---|---|---|---|\n");
        for (SuiteSection.Row row : section.rows()) {
            SuiteSection.Run run = runs.get(row.name());
            boolean longform = row.args().contains("longform");
            StringBuilder t = longform ? lf : cf;
            String method = row.args().get(row.args().indexOf("--method") + 1);
            t.append("| `").append(method).append("` | ").append(method.equals("none") ? "unedited model" : setting(row))
                    .append(" | ");
            if (run == null) {
                t.append("not measured yet |".repeat(longform ? 5 : 8)).append('\n');
                continue;
            }
            JsonObject r = run.result();
            if (longform) {
                t.append(r.get("items").getAsInt()).append(" | ").append(fixed(num(r, "rougeL_recall"), 3)).append(" | ")
                        .append(fixed(num(r, "para_rougeL_recall"), 3)).append(" | ")
                        .append(fixed(num(r, "sub_question_answer_rate"), 3)).append(" | ");
            } else {
                for (String[] f : COUNTERFACT) {
                    t.append(fixed(num(r, f[0]), 2)).append(" | ");
                }
            }
            t.append(fixed(num(r, "seconds_per_edit"), 2)).append(" |\n");
        }
        return cf + "\n" + lf + "\n" + provenance(section, runs);
    }

    /** Returns the checkpoints of each sequential run. */
    static String sequential(SuiteSection section, Map<String, SuiteSection.Run> runs) {
        StringBuilder t = new StringBuilder("| method | edits so far | efficacy | generalisation | specificity "
                + "| efficacy of the last 25 | s/edit |\n|---|---|---|---|---|---|---|\n");
        for (SuiteSection.Row row : section.rows()) {
            SuiteSection.Run run = runs.get(row.name());
            if (run == null) {
                t.append("| `").append(row.label()).append("` | not measured yet | | | | | |\n");
                continue;
            }
            for (JsonElement e : run.result().getAsJsonArray("checkpoints")) {
                JsonObject c = e.getAsJsonObject();
                t.append("| `").append(row.label()).append("` | ").append(c.get("edits").getAsInt()).append(" | ")
                        .append(fixed(num(c, "efficacy"), 2)).append(" | ").append(fixed(num(c, "generalization"), 2))
                        .append(" | ").append(fixed(num(c, "specificity"), 2)).append(" | ")
                        .append(fixed(num(c, "recent_efficacy"), 2)).append(" | ")
                        .append(fixed(num(run.result(), "seconds_per_edit"), 2)).append(" |\n");
            }
        }
        return t + "\n" + provenance(section, runs);
    }

    /** Returns the long-form table: one row per benchmark file and method. */
    static String longform(SuiteSection section, Map<String, SuiteSection.Run> runs) {
        StringBuilder t = new StringBuilder("| set | method | items |");
        LONGFORM.forEach(f -> t.append(' ').append(f[1]).append(" |"));
        t.append(" s/edit |\n|---|---|---|").append("---|".repeat(LONGFORM.size() + 1)).append('\n');
        for (SuiteSection.Row row : section.rows()) {
            SuiteSection.Run run = runs.get(row.name());
            t.append("| ").append(row.name(), 0, row.name().indexOf('/')).append(" | `").append(row.label()).append("` | ");
            if (run == null) {
                t.append("not measured yet |".repeat(LONGFORM.size() + 2)).append('\n');
                continue;
            }
            JsonObject r = run.result();
            t.append(r.get("items").getAsInt()).append(" | ");
            for (String[] f : LONGFORM) {
                t.append(r.has(f[0]) ? fixed(num(r, f[0]), 3) : "—").append(" | ");
            }
            t.append(fixed(num(r, "seconds_per_edit"), 2)).append(" |\n");
        }
        return t + "\n" + provenance(section, runs);
    }

    /** Returns the forward-speed table. */
    static String forward(SuiteSection section, Map<String, SuiteSection.Run> runs) {
        SuiteSection.Run run = runs.get(section.rows().get(0).name());
        if (run == null) {
            return "Not measured yet.\n\n" + provenance(section, runs);
        }
        StringBuilder t = new StringBuilder("fp32 1024×1024 matmul in the same run: "
                + fixed(num(run.result(), "matmul_gflops"), 1) + " GFLOP/s.\n\n| model | params | prefill tokens "
                + "| prefill tok/s | GFLOP/s | ratio to matmul | decode tok/s |\n|---|---|---|---|---|---|---|\n");
        for (JsonElement e : run.result().getAsJsonArray("models")) {
            JsonObject m = e.getAsJsonObject();
            t.append("| ").append(m.get("model").getAsString()).append(" | ")
                    .append(fixed(num(m, "parameters") / 1e6, 1)).append("M | ").append(m.get("prefillTokens").getAsInt())
                    .append(" | ").append(fixed(num(m, "prefillTokensPerSec"), 0)).append(" | ")
                    .append(fixed(num(m, "prefillGflops"), 1)).append(" | ")
                    .append(fixed(100 * num(m, "prefillRatio"), 0)).append("% | ")
                    .append(fixed(num(m, "decodeTokensPerSec"), 1)).append(" |\n");
        }
        return t + "\n" + provenance(section, runs);
    }

    /** Returns every number and string of the answer as a two-column table (nested fields with dotted names). */
    static String keyValues(SuiteSection section, Map<String, SuiteSection.Run> runs) {
        StringBuilder t = new StringBuilder();
        for (SuiteSection.Row row : section.rows()) {
            SuiteSection.Run run = runs.get(row.name());
            if (run == null) {
                t.append("Not measured yet.\n\n");
                continue;
            }
            t.append("| field | value |\n|---|---|\n");
            flatten("", run.result(), t);
            t.append('\n');
        }
        return t + provenance(section, runs);
    }

    private static void flatten(String prefix, JsonElement e, StringBuilder t) {
        if (e.isJsonObject()) {
            e.getAsJsonObject().entrySet().forEach(x -> flatten(prefix.isEmpty() ? x.getKey() : prefix + "." + x.getKey(),
                    x.getValue(), t));
        } else if (e.isJsonArray()) {
            for (int i = 0; i < e.getAsJsonArray().size(); i++) {
                flatten(prefix + "." + i, e.getAsJsonArray().get(i), t);
            }
        } else if (e.isJsonPrimitive()) {
            String v = e.getAsJsonPrimitive().isNumber() ? number(e.getAsDouble()) : "`" + e.getAsString() + "`";
            t.append("| `").append(prefix).append("` | ").append(v).append(" |\n");
        }
    }

    /** Returns where each row's figures come from: its command, commit, the machine's cores, date and run time. */
    static String provenance(SuiteSection section, Map<String, SuiteSection.Run> runs) {
        StringBuilder p = new StringBuilder("Measured by (`./amend bench suite --sections ").append(section.name())
                .append("` reruns them all, `--rows NAME` one row):\n\n");
        for (SuiteSection.Row row : section.rows()) {
            SuiteSection.Run run = runs.get(row.name());
            p.append("* `").append(row.name()).append("`: `").append(row.command()).append('`');
            if (run == null) {
                p.append(" — not measured yet\n");
            } else {
                p.append(String.format(Locale.ROOT, " — commit %s, %d cores, %s, %.0f s%n", run.commit(), run.cores(),
                        run.date(), run.seconds()));
            }
        }
        return p.toString();
    }

    private static String setting(SuiteSection.Row row) {
        int at = row.args().indexOf("--hparams");
        if (at < 0) {
            return "demo profile";
        }
        String file = row.args().get(at + 1);
        try {
            String content = java.nio.file.Files.readString(java.nio.file.Path.of(file)).strip().replaceAll("\\s+", " ");
            return "`" + content + "`";
        } catch (java.io.IOException e) {
            return "`" + file + "`";
        }
    }

    private static String spread(JsonObject r, String field) {
        double mean = num(r, field);
        JsonObject std = r.getAsJsonObject("std");
        double s = std == null || !std.has(field) || std.get(field).isJsonNull() ? Double.NaN : std.get(field).getAsDouble();
        return Double.isNaN(mean) ? "—" : fixed(mean, 2) + " ± " + fixed(s, 2);
    }

    static double num(JsonObject o, String field) {
        JsonElement e = o.get(field);
        return e == null || e.isJsonNull() ? Double.NaN : e.getAsDouble();
    }

    static String fixed(double v, int decimals) {
        return Double.isNaN(v) ? "—" : String.format(Locale.ROOT, "%." + decimals + "f", v);
    }

    private static String number(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? String.valueOf((long) v)
                : String.format(Locale.ROOT, "%.4g", v);
    }
}
