package dev.amend.runtime.ledger;

import dev.amend.spi.InvalidRequestException;
import dev.amend.spi.edit.Edit;
import dev.amend.spi.edit.WeightDelta;
import dev.amend.spi.model.EditPoint;
import dev.amend.spi.model.EditableModel;
import dev.amend.spi.model.WeightLayout;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The checks an edit passes before the ledger records it: it fits the model, and its stored form is exact. */
final class EditChecks {
    private EditChecks() {
    }

    /**
     * Throws {@link InvalidRequestException} when a delta of {@code edit} names a weight {@code model} lacks, has the
     * wrong shape or non-finite values.
     */
    static void check(EditableModel model, Edit edit) {
        edit.adapters().forEach(model::checkAdapter);
        Map<String, EditPoint> points = new LinkedHashMap<>();
        for (EditPoint p : model.architecture().editPoints()) {
            points.put(p.weight(), p);
        }
        for (WeightDelta d : edit.deltas()) {
            if (!model.weightNames().contains(d.weight())) {
                throw new InvalidRequestException("the edit changes weight \"" + d.weight() + "\", which model "
                        + model.name() + " does not have");
            }
            long[] shape = model.weight(d.weight()).getShape().getShape();
            EditPoint p = points.get(d.weight());
            boolean transposed = p != null && p.layout() == WeightLayout.IN_OUT;
            long rows = transposed ? shape[1] : shape[0];
            long cols = shape.length == 2 ? (transposed ? shape[0] : shape[1]) : 1;
            if (shape.length > 2 || d.rows() != rows || d.cols() != cols) {
                throw new InvalidRequestException("the delta for \"" + d.weight() + "\" is [" + d.rows() + ", "
                        + d.cols() + "] but the weight is [" + rows + ", " + cols + "] as [out, in]");
            }
            boolean finite = d instanceof WeightDelta.LowRank lr ? allFinite(lr.u()) && allFinite(lr.v())
                    : allFinite(((WeightDelta.Dense) d).values());
            if (!finite) {
                throw new InvalidRequestException("the delta for \"" + d.weight()
                        + "\" has non-finite values (NaN or infinity): the edit diverged; it is not recorded");
            }
        }
    }

    /** Throws when the stored form of an edit would not apply bit for bit as {@code given} does. */
    static void requireSameDeltas(Edit given, Edit stored) {
        if (!given.adapters().equals(stored.adapters())) {
            throw new IllegalStateException("the stored form of the edit's adapters differs from the adapters given"
                    + " (state values must be strings, booleans, numbers, arrays, lists or maps): the edit cannot be"
                    + " recorded as it was applied");
        }
        for (int i = 0; i < given.deltas().size(); i++) {
            WeightDelta a = given.deltas().get(i);
            WeightDelta b = stored.deltas().get(i);
            boolean same;
            if (a instanceof WeightDelta.LowRank x && b instanceof WeightDelta.LowRank y) {
                same = x.rank() == y.rank() && Arrays.equals(x.u(), y.u()) && Arrays.equals(x.v(), y.v());
            } else {
                same = a instanceof WeightDelta.Dense x && b instanceof WeightDelta.Dense y
                        && Arrays.equals(x.values(), y.values());
            }
            if (!same || !a.weight().equals(b.weight())) {
                throw new IllegalStateException("the stored form of the delta for " + a.weight()
                        + " differs from the delta given: the edit cannot be recorded as it was applied");
            }
        }
    }

    /** Returns the names of the weights {@code edit} changes, each once, in order. */
    static List<String> weightsOf(Edit edit) {
        return edit.deltas().stream().map(WeightDelta::weight).distinct().toList();
    }

    private static boolean allFinite(float[] v) {
        for (float x : v) {
            if (!Float.isFinite(x)) {
                return false;
            }
        }
        return true;
    }
}
