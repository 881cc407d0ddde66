package dev.amend.spi.edit;

import dev.amend.spi.model.EditableModel;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The outcome of an editing method as data: the weight deltas and everything needed to explain,
 * store, ship, re-apply or roll back the edit.
 *
 * @param method           editor name, e.g. {@code rome}
 * @param methodVersion    editor version
 * @param requests         what was asked
 * @param hyperparameters  the hyperparameters used, as name → value
 * @param contextTemplates the context prefixes used (seeded and recorded so the edit can be reproduced)
 * @param deltas           the weight changes, applied in order
 * @param metadata         method-specific extras (e.g. the keys AlphaEdit accumulates), as name → value
 */
public record Edit(
        String method,
        String methodVersion,
        List<EditRequest> requests,
        Map<String, Object> hyperparameters,
        List<String> contextTemplates,
        List<WeightDelta> deltas,
        Map<String, Object> metadata) {

    /** Copies the collections. */
    public Edit {
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(methodVersion, "methodVersion");
        requests = List.copyOf(requests);
        hyperparameters = Map.copyOf(hyperparameters);
        contextTemplates = List.copyOf(contextTemplates);
        deltas = List.copyOf(deltas);
        metadata = Map.copyOf(metadata);
    }

    /** Adds every delta to the model's weights. */
    public void applyTo(EditableModel model) {
        for (WeightDelta d : deltas) {
            model.addToWeight(d);
        }
    }

    /** Subtracts every delta from the model's weights, in reverse order. */
    public void revertFrom(EditableModel model) {
        for (int i = deltas.size() - 1; i >= 0; i--) {
            model.addToWeight(deltas.get(i).negate());
        }
    }

    /** Returns the number of floats the deltas store. */
    public long storedFloats() {
        long n = 0;
        for (WeightDelta d : deltas) {
            n += d.storedFloats();
        }
        return n;
    }
}
