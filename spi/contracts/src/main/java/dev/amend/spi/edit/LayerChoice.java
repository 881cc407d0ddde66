package dev.amend.spi.edit;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Where a {@link dev.amend.spi.LayerLocator} says to edit, and why.
 *
 * @param layer     the single layer (ROME)
 * @param range     consecutive layers for multi-layer methods (MEMIT, AlphaEdit), lowest first
 * @param factToken the token rule, as hyperparameter files name it ({@code subject_last}, {@code subject_first})
 * @param rows      the row labels of the evidence matrices (e.g. token positions relative to the subject)
 * @param evidence  named matrices [layer][row] the choice was read from (e.g. averaged indirect effects), in order
 * @param facts     facts the evidence covers
 * @param skipped   facts left out, each with the reason
 * @param reasoning sentences explaining the choice
 */
public record LayerChoice(int layer, List<Integer> range, String factToken, List<String> rows,
                          Map<String, double[][]> evidence, int facts, List<String> skipped, List<String> reasoning) {
    /** Copies the collections and checks the fields. */
    public LayerChoice {
        Objects.requireNonNull(factToken, "factToken");
        range = List.copyOf(range);
        rows = List.copyOf(rows);
        evidence = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(evidence));
        skipped = List.copyOf(skipped);
        reasoning = List.copyOf(reasoning);
        if (layer < 0 || range.isEmpty()) {
            throw new IllegalArgumentException("a layer choice needs a layer and a non-empty range");
        }
    }
}
