package dev.amend.spi.edit;

import dev.amend.spi.model.EditableModel;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The outcome of an editing method as data: the weight deltas, the modules it adds to the forward pass
 * (adapters), and everything needed to explain, store, ship, re-apply or roll back the edit.
 *
 * @param method           editor name, e.g. {@code rome}
 * @param methodVersion    editor version
 * @param requests         what was asked
 * @param hyperparameters  the hyperparameters used, as name → value
 * @param contextTemplates the context prefixes used (seeded and recorded so the edit can be reproduced)
 * @param deltas           the weight changes, applied in order
 * @param metadata         method-specific extras (e.g. the keys AlphaEdit accumulates), as name → value
 * @param adapters         modules added to the forward pass (a codebook at a layer, a side memory), added in order
 *                         after the deltas
 */
public record Edit(
        String method,
        String methodVersion,
        List<EditRequest> requests,
        Map<String, Object> hyperparameters,
        List<String> contextTemplates,
        List<WeightDelta> deltas,
        Map<String, Object> metadata,
        List<Adapter> adapters) {

    /** Copies the collections. */
    public Edit {
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(methodVersion, "methodVersion");
        requests = List.copyOf(requests);
        hyperparameters = Map.copyOf(hyperparameters);
        contextTemplates = List.copyOf(contextTemplates);
        deltas = List.copyOf(deltas);
        metadata = Map.copyOf(metadata);
        adapters = adapters == null ? List.of() : List.copyOf(adapters);
    }

    /** An edit of weight deltas only (no adapters). */
    public Edit(String method, String methodVersion, List<EditRequest> requests, Map<String, Object> hyperparameters,
                List<String> contextTemplates, List<WeightDelta> deltas, Map<String, Object> metadata) {
        this(method, methodVersion, requests, hyperparameters, contextTemplates, deltas, metadata, List.of());
    }

    /**
     * Adds every delta to the model's weights, then adds every adapter to its forward pass. The adapters are
     * checked before any weight changes; if adding one fails, those of this edit already added are removed again
     * (the weights are the caller's to restore).
     */
    public void applyTo(EditableModel model) {
        for (Adapter a : adapters) {
            model.checkAdapter(a);
        }
        for (WeightDelta d : deltas) {
            model.addToWeight(d);
        }
        for (int i = 0; i < adapters.size(); i++) {
            try {
                model.addAdapter(adapters.get(i));
            } catch (RuntimeException e) {
                model.removeAdapters(adapters.subList(0, i));
                throw e;
            }
        }
    }

    /** Removes the adapters from the model's forward pass, then subtracts every delta, in reverse order. */
    public void revertFrom(EditableModel model) {
        model.removeAdapters(adapters);
        for (int i = deltas.size() - 1; i >= 0; i--) {
            model.addToWeight(deltas.get(i).negate());
        }
    }

    /** Returns the number of floats the deltas and the adapters store. */
    public long storedFloats() {
        long n = 0;
        for (WeightDelta d : deltas) {
            n += d.storedFloats();
        }
        for (Adapter a : adapters) {
            n += a.storedFloats();
        }
        return n;
    }
}
