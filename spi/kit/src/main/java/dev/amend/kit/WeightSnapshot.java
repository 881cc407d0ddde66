package dev.amend.kit;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.amend.spi.model.EditableModel;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Copies of named weights, to put a model back exactly (bit for bit) after an editor changed it
 * while working (ROME and MEMIT apply each step before computing the next).
 */
public final class WeightSnapshot implements AutoCloseable {
    private final EditableModel model;
    private final NDManager manager;
    private final Map<String, NDArray> copies = new LinkedHashMap<>();

    private WeightSnapshot(EditableModel model) {
        this.model = model;
        this.manager = model.manager().newSubManager();
    }

    /** Returns a snapshot of {@code names} of {@code model}. */
    public static WeightSnapshot of(EditableModel model, Iterable<String> names) {
        WeightSnapshot s = new WeightSnapshot(model);
        for (String n : names) {
            NDArray copy = model.weight(n).duplicate();
            copy.attach(s.manager);
            s.copies.put(n, copy);
        }
        return s;
    }

    /** Returns the saved value of {@code name}, or null when this snapshot does not hold that weight. */
    public NDArray saved(String name) {
        return copies.get(name);
    }

    /** Writes the saved values back into the model. */
    public void restore() {
        copies.forEach(model::setWeight);
    }

    /** Frees the copies (without restoring). */
    @Override
    public void close() {
        manager.close();
    }
}
