package dev.amend.runtime.editing;

import dev.amend.spi.InvalidRequestException;
import dev.amend.spi.edit.EditRequest;
import dev.amend.spi.edit.EvaluationCase;
import dev.amend.spi.model.EditableModel;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * How much one edit may ask for, and the one check of a batch of facts against a model: the number of requests,
 * the size of every text in characters (checked first, before anything is tokenized), the number of evaluation
 * prompts per request, each target's length in tokens, and prompt plus target within the model's context. The host
 * (REST and gRPC alike) and the CLI check requests here; the messages say what to fix and which setting raises
 * the limit.
 *
 * @param maxRequests          requests in one edit at most ({@code amend.edit.max-requests})
 * @param maxTargetTokens      tokens of one target at most ({@code amend.edit.max-target-tokens})
 * @param maxPromptChars       characters of a prompt, a paraphrase or a neighbourhood prompt at most
 *                             ({@code amend.edit.max-prompt-chars})
 * @param maxSubjectChars      characters of a subject at most ({@code amend.edit.max-subject-chars})
 * @param maxTargetChars       characters of a target or a neighbourhood answer at most
 *                             ({@code amend.edit.max-target-chars})
 * @param maxEvaluationPrompts paraphrases plus neighbourhood prompts of one request at most
 *                             ({@code amend.edit.max-evaluation-prompts})
 */
public record EditLimits(int maxRequests, int maxTargetTokens, int maxPromptChars, int maxSubjectChars,
                         int maxTargetChars, int maxEvaluationPrompts) {
    /** The host's default limits: 64 requests, 128 target tokens, 4000/1000/4000 characters, 64 evaluation prompts. */
    public static final EditLimits DEFAULTS = new EditLimits(64, 128);

    /** Returns limits on the request count and target tokens, with the default text limits. */
    public EditLimits(int maxRequests, int maxTargetTokens) {
        this(maxRequests, maxTargetTokens, 4000, 1000, 4000, 64);
    }

    /**
     * Returns {@code facts} as evaluation cases (the checked request with its paraphrases and neighbourhood; no
     * true target yet), or throws {@link InvalidRequestException} saying what to fix. {@code modelName} names the
     * model in messages.
     */
    public List<EvaluationCase> check(List<EditFact> facts, EditableModel model, String modelName) {
        if (facts == null || facts.isEmpty()) {
            throw new InvalidRequestException("no requests given: \"requests\" needs at least one"
                    + " {\"prompt\", \"subject\", \"target\"}");
        }
        if (facts.size() > maxRequests) {
            throw new InvalidRequestException(facts.size() + " requests in one edit: at most " + maxRequests
                    + " (split the batch, or raise amend.edit.max-requests)");
        }
        for (int i = 0; i < facts.size(); i++) {
            checkSizes(facts.get(i), facts.size() == 1 ? "" : "request " + (i + 1) + ": ");
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

    /** Checks the character sizes and the evaluation prompts of one fact, before anything is tokenized. */
    private void checkSizes(EditFact f, String where) {
        if (f == null || f.prompt() == null || f.subject() == null || f.target() == null) {
            throw new InvalidRequestException(where + "each request needs \"prompt\", \"subject\" and \"target\"");
        }
        chars(where + "the prompt", f.prompt(), maxPromptChars, "amend.edit.max-prompt-chars");
        chars(where + "the subject", f.subject(), maxSubjectChars, "amend.edit.max-subject-chars");
        chars(where + "the target", f.target(), maxTargetChars, "amend.edit.max-target-chars");
        int prompts = f.paraphrases().size() + f.neighbourhood().size();
        if (prompts > maxEvaluationPrompts) {
            throw new InvalidRequestException(where + "the request has " + prompts + " paraphrases and neighbourhood"
                    + " prompts: at most " + maxEvaluationPrompts + " (amend.edit.max-evaluation-prompts)");
        }
        for (int i = 0; i < f.paraphrases().size(); i++) {
            String p = f.paraphrases().get(i);
            if (p == null) {
                throw new InvalidRequestException(where + "paraphrase " + (i + 1) + " is null: give a string or"
                        + " leave it out");
            }
            chars(where + "paraphrase " + (i + 1), p, maxPromptChars, "amend.edit.max-prompt-chars");
        }
        for (Map.Entry<String, String> n : f.neighbourhood().entrySet()) {
            if (n.getKey() == null || n.getValue() == null) {
                throw new InvalidRequestException(where + "the neighbourhood prompt \"" + n.getKey() + "\" has no"
                        + " answer: give each prompt its answer as a string");
            }
            chars(where + "a neighbourhood prompt", n.getKey(), maxPromptChars, "amend.edit.max-prompt-chars");
            chars(where + "a neighbourhood answer", n.getValue(), maxTargetChars, "amend.edit.max-target-chars");
        }
    }

    private static void chars(String what, String text, int max, String setting) {
        if (text.length() > max) {
            throw new InvalidRequestException(what + " is " + text.length() + " characters: at most " + max + " ("
                    + setting + ")");
        }
    }

    private static EditRequest request(EditFact f, String where) {
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
