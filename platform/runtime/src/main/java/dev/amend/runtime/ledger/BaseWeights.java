package dev.amend.runtime.ledger;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.amend.spi.model.EditableModel;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Copies (in host memory) of the base values of the weights that edits in the ledger touch, taken
 * before the first edit of each weight is applied; rollback writes them back and re-applies the
 * remaining edits, so the result equals, bit for bit, what a restart recomputes.
 */
final class BaseWeights implements AutoCloseable {
    private final EditableModel model;
    private final NDManager manager;
    private final Map<String, NDArray> copies = new LinkedHashMap<>();

    BaseWeights(EditableModel model) {
        this.model = model;
        this.manager = model.manager().newSubManager(Device.cpu());
    }

    /** Copies every weight in {@code names} that has no copy yet; the model must hold its base values for them. */
    void keep(Collection<String> names) {
        for (String n : names) {
            if (!copies.containsKey(n)) {
                NDArray w = model.weight(n);
                NDArray copy = w.getDevice().equals(Device.cpu()) ? w.duplicate() : w.toDevice(Device.cpu(), true);
                copy.attach(manager);
                copies.put(n, copy);
            }
        }
    }

    /**
     * Copies, for every weight in {@code names} that has no copy yet, the value {@code preEdit} gives for it: the
     * value from before an edit the model already holds, which is the base value since no earlier edit touched it.
     */
    void keepPreEdit(Collection<String> names, Function<String, NDArray> preEdit) {
        for (String n : names) {
            if (!copies.containsKey(n)) {
                NDArray w = preEdit.apply(n);
                NDArray copy = w.getDevice().equals(Device.cpu()) ? w.duplicate() : w.toDevice(Device.cpu(), true);
                copy.attach(manager);
                copies.put(n, copy);
            }
        }
    }

    /** Writes the base value of {@code name} back into the model. */
    void restore(String name) {
        NDArray copy = copies.get(name);
        if (copy == null) {
            throw new IllegalStateException("no base copy of weight " + name);
        }
        model.setWeight(name, copy);
    }

    /** Frees the copies of weights not in {@code stillTouched}. */
    void retainOnly(Set<String> stillTouched) {
        copies.entrySet().removeIf(e -> {
            if (stillTouched.contains(e.getKey())) {
                return false;
            }
            e.getValue().close();
            return true;
        });
    }

    /** Returns the number of bytes the copies hold. */
    long bytes() {
        long n = 0;
        for (NDArray a : copies.values()) {
            n += a.size() * a.getDataType().getNumOfBytes();
        }
        return n;
    }

    @Override
    public void close() {
        manager.close();
    }
}
