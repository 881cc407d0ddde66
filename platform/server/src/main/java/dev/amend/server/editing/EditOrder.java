package dev.amend.server.editing;

import java.util.List;
import java.util.Map;

/**
 * An edit as a client asks for it, before validation.
 *
 * @param model      the model's name
 * @param method     the editing method's name
 * @param facts      the facts to write
 * @param hparams    hyperparameters over the method's defaults (EasyEdit snake_case keys); may be empty
 * @param evaluators evaluator names; null for the host's default list
 * @param seed       seed of the context templates
 */
public record EditOrder(String model, String method, List<Fact> facts, Map<String, Object> hparams,
                        List<String> evaluators, long seed) {
    /** Copies the collections (null hparams become empty). */
    public EditOrder {
        facts = facts == null ? List.of() : List.copyOf(facts);
        hparams = hparams == null ? Map.of() : Map.copyOf(hparams);
        evaluators = evaluators == null ? null : List.copyOf(evaluators);
    }

    /**
     * One fact to write, with optional evaluation material.
     *
     * @param prompt        the prompt with {@code {}} for the subject, or containing the subject verbatim
     * @param subject       the subject
     * @param target        the new answer
     * @param paraphrases   rephrased prompts with the subject filled in (generalisation); may be null
     * @param neighbourhood unrelated prompts with their answers (specificity); may be null
     */
    public record Fact(String prompt, String subject, String target, List<String> paraphrases,
                       Map<String, String> neighbourhood) {
        /** Copies the collections (nulls become empty). */
        public Fact {
            paraphrases = paraphrases == null ? List.of() : List.copyOf(paraphrases);
            neighbourhood = neighbourhood == null ? Map.of() : Map.copyOf(neighbourhood);
        }
    }
}
