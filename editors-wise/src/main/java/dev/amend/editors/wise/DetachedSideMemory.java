package dev.amend.editors.wise;

import dev.amend.spi.edit.Adapter;
import dev.amend.spi.model.EditableModel;
import java.util.ArrayList;
import java.util.List;

/**
 * Takes the WISE adapters of one block out of a model's forward pass while an edit trains (the training runs the
 * shard's own side memory at the answer tokens, as EasyEdit trains its {@code new_weight} alone) and puts them back
 * where they were: the adapters from the first of them on are removed, the others among those are added again at
 * once, and on {@link #close()} the whole run is restored in its order.
 */
final class DetachedSideMemory implements AutoCloseable {
    private final EditableModel model;
    private final List<Adapter> removed;
    private final List<Adapter> readded = new ArrayList<>();
    private final List<Adapter> memory = new ArrayList<>();

    /** Detaches the {@link SideMemoryKind} adapters at {@code layer} of {@code model}. */
    DetachedSideMemory(EditableModel model, int layer) {
        this.model = model;
        List<Adapter> all = model.adapters();
        int first = 0;
        while (first < all.size() && !isMemory(all.get(first), layer)) {
            first++;
        }
        this.removed = List.copyOf(all.subList(first, all.size()));
        for (Adapter a : removed) {
            (isMemory(a, layer) ? memory : readded).add(a);
        }
        if (!removed.isEmpty()) {
            model.removeAdapters(removed);
            readded.forEach(model::addAdapter);
        }
    }

    private static boolean isMemory(Adapter a, int layer) {
        return a.kind().equals(SideMemoryKind.KIND) && a.layer() == layer;
    }

    /** Returns the detached WISE adapters of the block, oldest first. */
    List<Adapter> memory() {
        return List.copyOf(memory);
    }

    /** Puts the detached adapters back in their places. */
    @Override
    public void close() {
        if (!removed.isEmpty()) {
            model.removeAdapters(readded);
            removed.forEach(model::addAdapter);
        }
    }
}
