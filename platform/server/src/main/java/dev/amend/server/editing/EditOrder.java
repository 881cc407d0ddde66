package dev.amend.server.editing;

import dev.amend.runtime.editing.EditFact;
import java.util.List;
import java.util.Map;

/**
 * An edit as a client asks for it, before validation.
 *
 * @param model      the model's name
 * @param method     the editing method's name
 * @param facts      the facts to write, with optional evaluation material
 * @param hparams    hyperparameters over the method's defaults (EasyEdit snake_case keys); may be empty
 * @param evaluators evaluator names; null for the host's default list
 * @param seed       seed of the context templates
 */
public record EditOrder(String model, String method, List<EditFact> facts, Map<String, Object> hparams,
                        List<String> evaluators, long seed) {
    /** Copies the collections (null hparams become empty). */
    public EditOrder {
        facts = facts == null ? List.of() : List.copyOf(facts);
        hparams = hparams == null ? Map.of() : Map.copyOf(hparams);
        evaluators = evaluators == null ? null : List.copyOf(evaluators);
    }
}
