package dev.amend.cli;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonParser;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The layer section rendered from the JSON answers of {@code locate-layers} and {@code bench layers}. */
class SuiteLayerTablesTest {
    private static SuiteSection.Run run(String json) {
        return new SuiteSection.Run("./amend x --json", "abc1234", 2, "2026-01-01T00:00Z", 10,
                JsonParser.parseString(json).getAsJsonObject());
    }

    private static SuiteSection section() {
        return SuiteSections.all().stream().filter(x -> x.name().equals("layers")).findFirst().orElseThrow();
    }

    @Test
    void tracesGiveTheMlpEffectsByTokenAndLayerAndTheChoice() {
        String table = section().renderer().render(section(), Map.of("locate", run("""
                {"model":"demo","layer":1,"range":[0,1],"fact_token":"subject_last","facts":98,
                 "skipped":["a: not known","b: not known"],"rows":["subject_first","subject_last"],
                 "mlp":[[0.0105,0.011],[0.002,0.0123]],"reasoning":["layer 1 has the highest effect"]}""")));
        assertTrue(table.contains("over 98 facts (2 left out)"), table);
        assertTrue(table.contains("| token | layer 0 | layer 1 |"), table);
        assertTrue(table.contains("| subject_last | 1.10 | 1.23 |"), table);
        assertTrue(table.contains("Chosen: ROME layer 1, MEMIT/AlphaEdit layers [0,1], token rule `subject_last`"), table);
        assertTrue(table.contains("* layer 1 has the highest effect"), table);
        assertTrue(table.contains("Layer sweep not measured yet."), table);
    }

    @Test
    void sweepMarksTheBestAndChosenLayersAndTheGap() {
        String table = section().renderer().render(section(), Map.of("rome", run("""
                {"method":"rome","edits":100,"seed":3,"facts":"heldout","best_layer":0,"chosen_layer":1,
                 "chosen_gap_points":2.0,"layers":[
                 {"layer":0,"efficacy":0.93,"generalization":0.6,"specificity":0.97,"seconds_per_edit":2.5},
                 {"layer":1,"efficacy":0.91,"generalization":0.7,"specificity":0.98,"seconds_per_edit":2.4}]}""")));
        assertTrue(table.contains("| 0 (best) | 0.93 | 0.60 | 0.97 | 2.50 |"), table);
        assertTrue(table.contains("| 1 (chosen) | 0.91 | 0.70 | 0.98 | 2.40 |"), table);
        assertTrue(table.contains("2.0 points below the best layer's (100 edits per layer, seed 3)"), table);
        assertTrue(table.contains("./amend bench layers --method rome --edits 100 --facts heldout --seed 3 --chosen"
                + " docs/layers-demo/rome.yaml --json"), table);
        String same = section().renderer().render(section(), Map.of("rome", run("""
                {"method":"rome","edits":100,"seed":3,"facts":"heldout","best_layer":0,"chosen_layer":0,
                 "chosen_gap_points":0.0,"layers":[
                 {"layer":0,"efficacy":1.0,"generalization":0.89,"specificity":0.96,"seconds_per_edit":2.6}]}""")));
        assertTrue(same.contains("| 0 (best, chosen) | 1.00 | 0.89 | 0.96 | 2.60 |"), same);
    }
}
