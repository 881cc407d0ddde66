package dev.amend.spi;

import dev.amend.spi.edit.EvaluationCase;
import dev.amend.spi.edit.Score;
import dev.amend.spi.model.EditableModel;
import java.util.List;

/** A metric over edit cases, tagged with its protocol. */
public interface Evaluator {

    /** Returns the protocol tag every score of this evaluator carries. */
    String protocol();

    /**
     * Returns this evaluator's scores for {@code cases} on the model as it is now (after the edit);
     * what it needs from before the edit is in each case's {@link EvaluationCase#baseline()}.
     */
    List<Score> evaluate(EditableModel model, List<EvaluationCase> cases);

    /**
     * Called on the model before the edit; returns the cases with whatever pre-edit observations this
     * evaluator needs put into {@link EvaluationCase#baseline()} (by default the cases unchanged).
     */
    default List<EvaluationCase> baseline(EditableModel model, List<EvaluationCase> cases) {
        return cases;
    }
}
