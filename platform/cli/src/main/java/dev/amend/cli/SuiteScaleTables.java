package dev.amend.cli;

import com.google.gson.JsonObject;
import java.util.Map;

/** The tables of {@code bench suite}'s linear algebra and model-size sections. */
final class SuiteScaleTables {
    private SuiteScaleTables() {
    }

    /** Returns one line per model size and type, then one per edit method with its time split. */
    static String scale(SuiteSection section, Map<String, SuiteSection.Run> runs) {
        StringBuilder models = new StringBuilder("| shape | dtype | blocks | parameters | resident GiB "
                + "| resident / (parameters × bytes) | prefill tok/s | decode tok/s | matmul GFLOP/s |\n"
                + "|---|---|---|---|---|---|---|---|---|\n");
        StringBuilder edits = new StringBuilder("| shape | dtype | method | layers | statistics s (tokens) "
                + "| optimisation s | solve s | projector s | total s |\n|---|---|---|---|---|---|---|---|---|\n");
        for (SuiteSection.Row row : section.rows()) {
            SuiteSection.Run run = runs.get(row.name());
            if (run == null) {
                models.append("| `").append(row.label()).append("` |").append(" not measured yet |".repeat(8))
                        .append('\n');
                continue;
            }
            JsonObject r = run.result();
            String shape = r.get("shape").getAsString();
            String dtype = r.get("dtype").getAsString();
            double resident = SuiteTables.num(r, "resident_bytes");
            models.append("| ").append(shape).append(" | ").append(dtype).append(" | ").append(r.get("blocks"))
                    .append(" | ").append(SuiteTables.fixed(SuiteTables.num(r, "parameters") / 1e9, 2)).append("B | ")
                    .append(SuiteTables.fixed(resident / (1L << 30), 2)).append(" | ")
                    .append(SuiteTables.fixed(resident / SuiteTables.num(r, "parameter_bytes"), 3)).append(" | ")
                    .append(SuiteTables.fixed(SuiteTables.num(r, "prefill_tokens_per_second"), 1)).append(" | ")
                    .append(SuiteTables.fixed(SuiteTables.num(r, "decode_tokens_per_second"), 2)).append(" | ")
                    .append(SuiteTables.fixed(SuiteTables.num(r, "matmul_gflops"), 1)).append(" |\n");
            for (Map.Entry<String, com.google.gson.JsonElement> e : r.getAsJsonObject("edits").entrySet()) {
                JsonObject m = e.getValue().getAsJsonObject();
                edits.append("| ").append(shape).append(" | ").append(dtype).append(" | ").append(e.getKey())
                        .append(" | ").append(m.get("layers")).append(" | ")
                        .append(SuiteTables.fixed(SuiteTables.num(m, "statistics_seconds"), 1)).append(" (")
                        .append(r.get("statistics_tokens")).append(") | ");
                for (String f : new String[] {"optimisation_seconds", "solve_seconds", "projector_seconds",
                    "total_seconds"}) {
                    edits.append(SuiteTables.fixed(SuiteTables.num(m, f), 1)).append(" | ");
                }
                edits.append('\n');
            }
        }
        return models + "\n" + edits + "\n" + SuiteTables.provenance(section, runs);
    }

    /** Returns one line per matrix order and path: the solve and projector times and their ratio to a matmul. */
    static String linalg(SuiteSection section, Map<String, SuiteSection.Run> runs) {
        SuiteSection.Run run = runs.get(section.rows().get(0).name());
        if (run == null) {
            return "Not measured yet.\n\n" + SuiteTables.provenance(section, runs);
        }
        StringBuilder t = new StringBuilder("Device: " + run.result().get("device").getAsString()
                + ".\n\n| n | path | solve s | projector s | n×n matmul s | solve / matmul | projector / matmul |\n"
                + "|---|---|---|---|---|---|---|\n");
        for (com.google.gson.JsonElement e : run.result().getAsJsonArray("results")) {
            JsonObject r = e.getAsJsonObject();
            double matmul = SuiteTables.num(r, "matmul_seconds");
            t.append("| ").append(r.get("n")).append(" | ").append(r.get("path").getAsString()).append(" | ")
                    .append(SuiteTables.fixed(SuiteTables.num(r, "solve_seconds"), 2)).append(" | ")
                    .append(SuiteTables.fixed(SuiteTables.num(r, "projector_seconds"), 2)).append(" | ")
                    .append(SuiteTables.fixed(matmul, 3)).append(" | ")
                    .append(SuiteTables.fixed(SuiteTables.num(r, "solve_seconds") / matmul, 1)).append(" | ")
                    .append(SuiteTables.fixed(SuiteTables.num(r, "projector_seconds") / matmul, 1)).append(" |\n");
        }
        return t + "\n" + SuiteTables.provenance(section, runs);
    }
}
