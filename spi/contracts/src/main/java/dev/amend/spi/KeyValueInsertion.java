package dev.amend.spi;

import dev.amend.spi.edit.Edit;
import dev.amend.spi.edit.EditContext;
import dev.amend.spi.edit.EditRequest;
import dev.amend.spi.model.EditableModel;
import dev.amend.spi.model.Site;
import java.util.List;
import java.util.Objects;

/**
 * Offered by editors that can write given values at given keys in one update (MEMIT, AlphaEdit), so
 * that a decorator such as AnyEdit can choose the key positions and optimise the values itself.
 *
 * <p>A value is a target for the residual stream leaving block {@link #valueLayer()} (the last edit
 * layer, {@link Site#LAYER_OUTPUT}) at one token of one sequence. The editor spreads the remaining
 * residuals over its edit layers and inserts them at the MLP keys of those tokens; with
 * {@link Sequence#preserveOthers()} the keys of all other tokens of the sequence join the solve as
 * preserved keys (target change zero). Like {@link Editor#computeEdit}, the model is unchanged afterwards.
 */
public interface KeyValueInsertion {

    /** Returns the block whose output the values of {@link #insert} are targets for. */
    int valueLayer();

    /**
     * Returns the edit that moves the residual stream after {@link #valueLayer()} to the given values at
     * the given positions of the given sequences.
     *
     * @param requests  what was asked, recorded in the edit
     * @param sequences token sequences with their edited positions and target values
     */
    Edit insert(EditableModel model, List<EditRequest> requests, List<Sequence> sequences, EditContext context);

    /**
     * One token sequence (prompt and target, BOS included where the model uses one) with the positions
     * whose values are set.
     *
     * @param tokens         the ids, at most the model's context
     * @param positions      edited token positions, ascending and distinct
     * @param values         per position, the target vector of size d after {@link #valueLayer()}
     * @param preserveOthers add the keys of the other positions of this sequence as preserved keys
     */
    record Sequence(int[] tokens, int[] positions, double[][] values, boolean preserveOthers) {
        /** Checks the shapes. */
        public Sequence {
            Objects.requireNonNull(tokens, "tokens");
            Objects.requireNonNull(positions, "positions");
            Objects.requireNonNull(values, "values");
            if (positions.length != values.length) {
                throw new IllegalArgumentException(positions.length + " positions but " + values.length + " values");
            }
            for (int i = 0; i < positions.length; i++) {
                if (positions[i] < 0 || positions[i] >= tokens.length || (i > 0 && positions[i] <= positions[i - 1])) {
                    throw new IllegalArgumentException("positions must be ascending inside the sequence of "
                            + tokens.length + " tokens, got " + java.util.Arrays.toString(positions));
                }
            }
        }
    }
}
