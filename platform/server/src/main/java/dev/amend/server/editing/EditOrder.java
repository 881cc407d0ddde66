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
 * @param key        the client's idempotency key ({@code Idempotency-Key}, gRPC {@code request_id}); null for none
 */
public record EditOrder(String model, String method, List<EditFact> facts, Map<String, Object> hparams,
                        List<String> evaluators, long seed, String key) {
    /** Copies the collections (null hparams become empty; null elements are kept for the checks to refuse). */
    public EditOrder {
        facts = facts == null ? List.of() : java.util.Collections.unmodifiableList(new java.util.ArrayList<>(facts));
        hparams = hparams == null ? Map.of()
                : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(hparams));
        evaluators = evaluators == null ? null
                : java.util.Collections.unmodifiableList(new java.util.ArrayList<>(evaluators));
    }

    /** Returns an order without an idempotency key. */
    public EditOrder(String model, String method, List<EditFact> facts, Map<String, Object> hparams,
                     List<String> evaluators, long seed) {
        this(model, method, facts, hparams, evaluators, seed, null);
    }
}
