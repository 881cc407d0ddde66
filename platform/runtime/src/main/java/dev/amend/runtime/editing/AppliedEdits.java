package dev.amend.runtime.editing;

import ai.djl.ndarray.NDArray;
import dev.amend.kit.WeightSnapshot;
import dev.amend.spi.edit.Adapter;
import dev.amend.spi.edit.Edit;
import dev.amend.spi.edit.WeightDelta;
import dev.amend.spi.model.EditableModel;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Edits applied to a model, with the values the weights they touch had before, so that the model can be put
 * back bit for bit. Closing restores those values and removes the edits' adapters unless {@link #keep} was called
 * first; an edit that fails
 * half-way through being applied puts the model back as it was when these edits began. Created by
 * {@link #of}, {@link EditSession#apply} and {@link EditSession#hold}.
 */
public final class AppliedEdits implements AutoCloseable {
    private final EditableModel model;
    private final List<WeightSnapshot> snapshots = new ArrayList<>();
    private final Set<String> held = new LinkedHashSet<>();
    private final List<Edit> edits = new ArrayList<>();
    private boolean kept;
    private boolean closed;

    AppliedEdits(EditableModel model) {
        this.model = model;
    }

    /**
     * Returns {@code edit} applied to {@code model}; closing the result restores the weights it touched. If
     * applying fails half-way, the model is put back and the exception propagates.
     */
    public static AppliedEdits of(EditableModel model, Edit edit) {
        AppliedEdits applied = new AppliedEdits(model);
        try {
            return applied.apply(edit);
        } catch (RuntimeException | Error e) {
            applied.close();
            throw e;
        }
    }

    /** Saves the values of {@code weights} not held yet; returns this. */
    AppliedEdits holdAlso(Collection<String> weights) {
        List<String> fresh = weights.stream().filter(w -> !held.contains(w)).distinct().toList();
        if (!fresh.isEmpty()) {
            snapshots.add(WeightSnapshot.of(model, fresh));
            held.addAll(fresh);
        }
        return this;
    }

    /** Returns this after applying {@code edit} on top of the edits applied so far (its weights held first). */
    public AppliedEdits apply(Edit edit) {
        if (closed) {
            throw new IllegalStateException("these edits were already restored or kept");
        }
        holdAlso(weightsOf(edit));
        try {
            edit.applyTo(model);
        } catch (RuntimeException | Error e) {
            restoreAll();
            edits.clear();
            throw e;
        }
        edits.add(edit);
        return this;
    }

    /** Returns the edits applied, in order. */
    public List<Edit> edits() {
        return List.copyOf(edits);
    }

    /** Returns the names of the weights whose values before the edits are held. */
    public Set<String> weights() {
        return Set.copyOf(held);
    }

    /** Returns the value {@code weight} had before the edits (on the model's device), or null when it is not held. */
    public NDArray preEdit(String weight) {
        for (WeightSnapshot s : snapshots) {
            NDArray v = s.saved(weight);
            if (v != null) {
                return v;
            }
        }
        return null;
    }

    /** Writes the values before the edits into {@code other}, e.g. a second copy of the same model. */
    public void restoreInto(EditableModel other) {
        for (String w : held) {
            other.setWeight(w, preEdit(w));
        }
    }

    /** Leaves the edits in the model: closing then only frees the saved values. */
    public void keep() {
        kept = true;
    }

    /** Removes the edits' adapters and restores the held weights unless {@link #keep} was called; frees the saved values. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            if (!kept) {
                restoreAll();
            }
        } finally {
            snapshots.forEach(WeightSnapshot::close);
        }
    }

    private void restoreAll() {
        List<Adapter> added = new ArrayList<>();
        edits.forEach(e -> added.addAll(e.adapters()));
        if (!added.isEmpty()) {
            model.removeAdapters(added);
        }
        snapshots.forEach(WeightSnapshot::restore);
    }

    /** Returns the names of the weights {@code edit} changes, in order, each once. */
    public static Set<String> weightsOf(Edit edit) {
        Set<String> out = new LinkedHashSet<>();
        for (WeightDelta d : edit.deltas()) {
            out.add(d.weight());
        }
        return out;
    }
}
