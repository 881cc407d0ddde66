package dev.amend.runtime.editing;

import dev.amend.spi.InvalidRequestException;
import dev.amend.spi.edit.EditRequest;
import dev.amend.spi.edit.EvaluationCase;
import dev.amend.spi.model.EditableModel;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * How much one edit may ask for, and the check of a batch of facts against a model: the number of requests,
 * each target's length in tokens, and prompt plus target within the model's context. The host and the CLI
 * check requests here; the messages say what to fix.
 *
 * @param maxRequests     requests in one edit at most ({@code amend.edit.max-requests})
 * @param maxTargetTokens tokens of one target at most ({@code amend.edit.max-target-tokens})
 */
public record EditLimits(int maxRequests, int maxTargetTokens) {
    /** The host's default limits: 64 requests, 128 target tokens. */
    public static final EditLimits DEFAULTS = new EditLimits(64, 128);

    /**
     * Returns {@code facts} as evaluation cases (the checked request with its paraphrases and neighbourhood; no
     * true target yet), or throws {@link InvalidRequestException} saying what to fix. {@code modelName} names the
     * model in messages.
     */
    public List<EvaluationCase> check(List<EditFact> facts, EditableModel model, String modelName) {
        if (facts.isEmpty()) {
            throw new InvalidRequestException("no requests given: \"requests\" needs at least one"
                    + " {\"prompt\", \"subject\", \"target\"}");
        }
        if (facts.size() > maxRequests) {
            throw new InvalidRequestException(facts.size() + " requests in one edit: at most " + maxRequests
                    + " (split the batch, or raise amend.edit.max-requests)");
        }
        List<EvaluationCase> cases = new ArrayList<>();
        for (int i = 0; i < facts.size(); i++) {
            String where = facts.size() == 1 ? "" : "request " + (i + 1) + ": ";
            EditFact f = facts.get(i);
            EditRequest r = request(f, where);
            checkLength(r, model, modelName, where);
            cases.add(new EvaluationCase(r, null, r.paraphrases(), f.neighbourhood(), Map.of(), Map.of()));
        }
        return cases;
    }

    private static EditRequest request(EditFact f, String where) {
        if (f == null || f.prompt() == null || f.subject() == null || f.target() == null) {
            throw new InvalidRequestException(where + "each request needs \"prompt\", \"subject\" and \"target\"");
        }
        try {
            return new EditRequest(f.prompt(), f.subject(), f.target(), f.paraphrases());
        } catch (InvalidRequestException e) {
            throw new InvalidRequestException(where + e.getMessage(), e);
        }
    }

    private void checkLength(EditRequest r, EditableModel model, String modelName, String where) {
        int targetTokens = model.tokenizer().encode(r.target(), false).length;
        if (targetTokens > maxTargetTokens) {
            throw new InvalidRequestException(where + "the target is " + targetTokens + " tokens long: at most "
                    + maxTargetTokens + " (shorten it, or raise amend.edit.max-target-tokens)");
        }
        int context = model.architecture().maxContext();
        int promptTokens = model.tokenizer().encode(r.filledPrompt(), true).length;
        if (promptTokens + targetTokens > context) {
            throw new InvalidRequestException(where + "the prompt and target are " + (promptTokens + targetTokens)
                    + " tokens together but model " + modelName + " reads at most " + context
                    + ": shorten the prompt");
        }
    }
}
