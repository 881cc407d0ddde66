package dev.amend.kit;

import dev.amend.spi.InvalidRequestException;
import dev.amend.spi.Locator;
import dev.amend.spi.edit.EditRequest;
import dev.amend.spi.model.EditableModel;
import dev.amend.spi.model.Site;
import dev.amend.spi.model.TextTokenizer;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds the value-optimisation problem of one request the way ROME and MEMIT do: the prompt wrapped
 * in every context template followed by the target (δ added at the located token of each), plus the
 * KL prompt "{subject} is a"; the reference row is the first template (the bare prompt {@code "{}"}).
 * As in the reference code ({@code lookup_idxs}), the KL term reads the distribution at the KL prompt's
 * located token (the subject's last token), where δ is added too; Amend's {@code kl_at_last_token} reads it
 * after the prompt's last token ("... is a"), the next-word distribution the ROME paper describes.
 */
public final class ValueTargets {
    /** ROME's and MEMIT's KL prompt. */
    public static final String KL_PROMPT = "{} is a";

    private ValueTargets() {
    }

    /** Returns the problem for {@code request} with δ at {@code site} of {@code layer}, KL read as the reference does. */
    public static DeltaOptimizer.Problem problem(EditableModel model, EditRequest request, List<String> templates,
                                                 Locator locator, int layer, Site site) {
        return problem(model, request, templates, locator, layer, site, false);
    }

    /**
     * Returns the problem for {@code request} with δ at {@code site} of {@code layer}; {@code klAtLastToken} reads
     * the KL term after the KL prompt's last token instead of at its located token.
     */
    public static DeltaOptimizer.Problem problem(EditableModel model, EditRequest request, List<String> templates,
                                                 Locator locator, int layer, Site site, boolean klAtLastToken) {
        TextTokenizer tok = model.tokenizer();
        List<DeltaOptimizer.Row> rows = new ArrayList<>();
        for (String t : templates) {
            String prefix = ContextTemplates.prefix(t);
            String prompt = prefix + request.filledPrompt();
            int[] ids = tok.encode(prompt, true);
            int[] target = tok.encodeContinuation(prompt, request.target());
            if (target.length == 0) {
                throw new InvalidRequestException("the target \"" + request.target() + "\" encodes to no tokens");
            }
            rows.add(DeltaOptimizer.Row.rewrite(ids, Locators.locate(locator, tok, prefix, request), target));
        }
        EditRequest kl = new EditRequest(KL_PROMPT, request.subject(), " x", List.of());
        int[] klIds = tok.encode(kl.filledPrompt(), true);
        int located = Locators.locate(locator, tok, "", kl);
        rows.add(DeltaOptimizer.Row.kl(klIds, located, klAtLastToken ? klIds.length - 1 : located));
        return new DeltaOptimizer.Problem(layer, site, rows, 0, List.of());
    }
}
