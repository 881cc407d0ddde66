package dev.amend.runtime.editing;

import dev.amend.spi.edit.Edit;
import dev.amend.spi.edit.Score;
import java.util.List;
import java.util.Map;

/**
 * One edit computed, applied to the session's model and observed there: the answers before and after, the
 * scores, the timings. The model holds the edit until the trial is closed; closing restores the touched
 * weights bit for bit unless {@link #keep} was called (after recording it, e.g. with
 * {@link dev.amend.runtime.ledger.EditLedger#recordApplied}).
 */
public final class EditTrial implements AutoCloseable {
    private final Baseline before;
    private final ComputedEdit computed;
    private final AppliedEdits applied;
    private final List<String> after;
    private final List<String> probeAnswersAfter;
    private final List<Score> scores;
    private final double secondsScoring;

    EditTrial(Baseline before, ComputedEdit computed, AppliedEdits applied, List<String> after,
              List<String> probeAnswersAfter, List<Score> scores, double secondsScoring) {
        this.before = before;
        this.computed = computed;
        this.applied = applied;
        this.after = List.copyOf(after);
        this.probeAnswersAfter = List.copyOf(probeAnswersAfter);
        this.scores = List.copyOf(scores);
        this.secondsScoring = secondsScoring;
    }

    /** Returns the edit. */
    public Edit edit() {
        return computed.edit();
    }

    /** Returns what was observed before the edit. */
    public Baseline baseline() {
        return before;
    }

    /** Returns the answer to each request's prompt before the edit. */
    public List<String> before() {
        return before.answers();
    }

    /** Returns the answer to each request's prompt after the edit. */
    public List<String> after() {
        return after;
    }

    /** Returns the answer to each probe after the edit. */
    public List<String> probeAnswersAfter() {
        return probeAnswersAfter;
    }

    /** Returns the evaluators' scores after the edit. */
    public List<Score> scores() {
        return scores;
    }

    /** Returns the editor's time. */
    public double secondsEdit() {
        return computed.seconds();
    }

    /** Returns the time of the observations before and after the edit (answers and evaluators). */
    public double secondsEvaluation() {
        return before.seconds() + secondsScoring;
    }

    /** Returns the applied edit, with the values of the weights it touched from before it. */
    public AppliedEdits applied() {
        return applied;
    }

    /** Returns what to store with the edit: answers before and after, the scores, and {@code extra}. */
    public EditInfo info(Map<String, Object> extra) {
        return new EditInfo(before.answers(), after, scores, extra);
    }

    /** Leaves the edit in the model (call it once the edit is recorded). */
    public void keep() {
        applied.keep();
    }

    /** Restores the weights the edit touched unless {@link #keep} was called. */
    @Override
    public void close() {
        applied.close();
    }
}
