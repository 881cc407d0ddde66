package dev.amend.kit;

import dev.amend.spi.Locator;
import dev.amend.spi.edit.EditRequest;
import dev.amend.spi.model.EditableModel;
import dev.amend.spi.model.ForwardRequest;
import dev.amend.spi.model.ForwardResult;
import dev.amend.spi.model.Site;
import java.util.ArrayList;
import java.util.List;

/**
 * The keys Amend's {@code preserve_prompt_tokens} keeps: those at every token of the rewriting prompts (each
 * request's prompt in every context template, followed by its target) except the located one, whose outputs the
 * target optimisation assumed unchanged. Those of the bare prompts (template 0) are the ones a sequential editor
 * remembers.
 */
final class PromptKeys {
    private static final int BATCH = 64;

    private final EditableModel model;
    private final List<DeltaOptimizer.Row> rows = new ArrayList<>();
    private final List<Integer> bare = new ArrayList<>();

    /** Prepares the rows of {@code requests} in {@code templates}. */
    PromptKeys(EditableModel model, List<EditRequest> requests, List<String> templates, Locator locator) {
        this.model = model;
        for (EditRequest r : requests) {
            for (DeltaOptimizer.Row row : ValueTargets.problem(model, r, templates, locator, 0, Site.LAYER_OUTPUT)
                    .rows()) {
                if (!row.isKl()) {
                    rows.add(row);
                }
            }
        }
        // where each request's bare-prompt row (template 0) lies among the keys
        for (int j = 0, offset = 0; j < rows.size(); j++) {
            int count = rows.get(j).tokens().length - 1;       // every token but the located one
            if (j % templates.size() == 0) {
                for (int c = 0; c < count; c++) {
                    bare.add(offset + c);
                }
            }
            offset += count;
        }
    }

    /** Returns the MLP keys of {@code layer} at every token of the rows but each row's located (δ) token. */
    double[][] keys(int layer) {
        List<double[]> out = new ArrayList<>();
        for (int from = 0; from < rows.size(); from += BATCH) {
            List<DeltaOptimizer.Row> part = rows.subList(from, Math.min(rows.size(), from + BATCH));
            List<int[]> tokens = part.stream().map(DeltaOptimizer.Row::tokens).toList();
            try (ForwardResult res = model.forward(ForwardRequest.builder(tokens).stopAfter(layer)
                    .capture(layer, Site.MLP_KEY).build())) {
                TokenVectors keys = TokenVectors.of(res.capture(layer, Site.MLP_KEY));   // [B, T, d_ff]
                for (int b = 0; b < part.size(); b++) {
                    for (int p = 0; p < tokens.get(b).length; p++) {
                        if (p != part.get(b).deltaPosition()) {
                            out.add(keys.vector(b, p));
                        }
                    }
                }
            }
        }
        return out.toArray(new double[0][]);
    }

    /** Returns those of {@code keys} (as {@link #keys} returns them) at the bare prompts' tokens. */
    double[][] bare(double[][] keys) {
        double[][] out = new double[bare.size()][];
        for (int j = 0; j < out.length; j++) {
            out[j] = keys[bare.get(j)];
        }
        return out;
    }
}
