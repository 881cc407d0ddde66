package dev.amend.cli;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.util.List;
import java.util.Map;

/** The section of {@code bench suite} that checks the layer {@code locate-layers} chooses against every layer. */
final class SuiteLayerTables {
    /** Where the section's {@code locate-layers} run writes its hyperparameter files and heatmaps. */
    static final String LOCATE_OUT = "docs/layers-demo";

    private SuiteLayerTables() {
    }

    /** Returns the section: the traces behind the choice, then ROME at every layer on a fresh seed. */
    static SuiteSection section() {
        List<SuiteSection.Row> rows = List.of(
                new SuiteSection.Row("locate", "locate-layers", List.of("locate-layers", "--facts", "heldout", "--n",
                        "100", "--seed", "1", "--out", LOCATE_OUT, "--json")),
                new SuiteSection.Row("rome", "rome at every layer", List.of("bench", "layers", "--method", "rome",
                        "--edits", "100", "--facts", "heldout", "--seed", "3", "--chosen", LOCATE_OUT + "/rome.yaml",
                        "--json"), List.of(LOCATE_OUT + "/rome.yaml")));
        return new SuiteSection("layers", "Edit layers chosen by causal tracing",
                "`locate-layers` traces 100 facts of the held-out split (seed 1; facts the model does not know are"
                        + " left out) and chooses ROME's layer and MEMIT's range from the averaged MLP indirect effect at"
                        + " the subject's last token; its files and averaged heatmaps are in `" + LOCATE_OUT + "/`."
                        + " `bench layers` then rewrites 100 other draws (seed 3, individual ROME edits with the demo"
                        + " profile) at every layer in turn, and says how far the chosen layer's efficacy is from the"
                        + " best layer's.",
                rows, SuiteLayerTables::render);
    }

    /** Returns the averaged MLP effects by token position and layer, the reasoning, and the per-layer edit table. */
    static String render(SuiteSection section, Map<String, SuiteSection.Run> runs) {
        StringBuilder t = new StringBuilder();
        SuiteSection.Run locate = runs.get("locate");
        if (locate == null) {
            t.append("Traces not measured yet.\n\n");
        } else {
            traces(locate.result(), t);
        }
        SuiteSection.Run rome = runs.get("rome");
        if (rome == null) {
            t.append("Layer sweep not measured yet.\n\n");
        } else {
            sweep(rome.result(), t);
        }
        return t + SuiteTables.provenance(section, runs);
    }

    private static void traces(JsonObject r, StringBuilder t) {
        JsonArray mlp = r.getAsJsonArray("mlp");
        JsonArray labels = r.getAsJsonArray("rows");
        t.append("Averaged MLP indirect effect × 100 over ").append(r.get("facts")).append(" facts (")
                .append(r.getAsJsonArray("skipped").size()).append(" left out):\n\n| token |");
        for (int l = 0; l < mlp.size(); l++) {
            t.append(" layer ").append(l).append(" |");
        }
        t.append("\n|---|").append("---|".repeat(mlp.size())).append('\n');
        for (int row = 0; row < labels.size(); row++) {
            t.append("| ").append(labels.get(row).getAsString()).append(" |");
            for (JsonElement layer : mlp) {
                t.append(' ').append(SuiteTables.fixed(100 * layer.getAsJsonArray().get(row).getAsDouble(), 2))
                        .append(" |");
            }
            t.append('\n');
        }
        t.append("\nChosen: ROME layer ").append(r.get("layer")).append(", MEMIT/AlphaEdit layers ")
                .append(r.get("range")).append(", token rule `").append(r.get("fact_token").getAsString())
                .append("`.\n\n");
        r.getAsJsonArray("reasoning").forEach(x -> t.append("* ").append(x.getAsString()).append('\n'));
        t.append('\n');
    }

    private static void sweep(JsonObject r, StringBuilder t) {
        int best = r.get("best_layer").getAsInt();
        int chosen = r.get("chosen_layer") == null || r.get("chosen_layer").isJsonNull() ? -1
                : r.get("chosen_layer").getAsInt();
        t.append("| layer | efficacy | generalisation | specificity | s/edit |\n|---|---|---|---|---|\n");
        for (JsonElement e : r.getAsJsonArray("layers")) {
            JsonObject row = e.getAsJsonObject();
            int layer = row.get("layer").getAsInt();
            t.append("| ").append(layer).append(layer == best && layer == chosen ? " (best, chosen)"
                    : layer == best ? " (best)" : layer == chosen ? " (chosen)" : "")
                    .append(" | ").append(SuiteTables.fixed(SuiteTables.num(row, "efficacy"), 2)).append(" | ")
                    .append(SuiteTables.fixed(SuiteTables.num(row, "generalization"), 2)).append(" | ")
                    .append(SuiteTables.fixed(SuiteTables.num(row, "specificity"), 2)).append(" | ")
                    .append(SuiteTables.fixed(SuiteTables.num(row, "seconds_per_edit"), 2)).append(" |\n");
        }
        t.append("\nThe chosen layer's efficacy is ").append(SuiteTables.fixed(SuiteTables.num(r, "chosen_gap_points"), 1))
                .append(" points below the best layer's (").append(r.get("edits")).append(" edits per layer, seed ")
                .append(r.get("seed")).append(").\n\n");
    }
}
