package dev.amend.runtime.editing;

import dev.amend.spi.Editor;
import dev.amend.spi.Evaluator;
import dev.amend.spi.ProgressListener;
import dev.amend.spi.edit.Edit;
import dev.amend.spi.edit.EditContext;
import dev.amend.spi.edit.EditRequest;
import dev.amend.spi.edit.EvaluationCase;
import dev.amend.spi.edit.Score;
import dev.amend.spi.model.EditableModel;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The edit pipeline, written once for the host, the CLI, the demo and the benchmark runners: observe the
 * model before the edit ({@link #before}: answers and evaluator baselines), compute the edit, apply it,
 * answer and score, then restore or keep ({@link #trial}). The benchmark runners use the same steps one by
 * one ({@link #baseline}, {@link #compute}, {@link #apply}, {@link #score}). Requests are checked by
 * {@link EditLimits} before they get here.
 */
public final class EditSession {
    /** The evaluators an edit is scored with unless the caller names others, comma-separated. */
    public static final String DEFAULT_EVALUATOR_NAMES = "counterfact,counterfact-exact,easyedit";
    /** {@link #DEFAULT_EVALUATOR_NAMES} as a list. */
    public static final List<String> DEFAULT_EVALUATORS = List.of(DEFAULT_EVALUATOR_NAMES.split(","));

    private final EditableModel model;
    private final Editor editor;
    private final List<Evaluator> evaluators;

    /** Creates a session that edits {@code model} with {@code editor} and scores with {@code evaluators}. */
    public EditSession(EditableModel model, Editor editor, List<Evaluator> evaluators) {
        this.model = model;
        this.editor = editor;
        this.evaluators = List.copyOf(evaluators);
    }

    /** Returns the model the session edits. */
    public EditableModel model() {
        return model;
    }

    /** Returns {@code cases} with every evaluator's pre-edit observations (call before the edit). */
    public List<EvaluationCase> baseline(List<EvaluationCase> cases) {
        List<EvaluationCase> out = cases;
        for (Evaluator e : evaluators) {
            out = e.baseline(model, out);
        }
        return out;
    }

    /**
     * Returns the model's state before an edit of {@code cases}: the answer to each request's prompt (which becomes
     * the true target of a case that has none), the answer to each of {@code probes}, and the cases with the
     * evaluators' baselines.
     */
    public Baseline before(List<EvaluationCase> cases, List<String> probes) {
        long t0 = System.nanoTime();
        List<String> answers = new ArrayList<>();
        List<EvaluationCase> completed = new ArrayList<>();
        for (EvaluationCase c : cases) {
            String answer = Answers.of(model, c.request().filledPrompt());
            answers.add(answer);
            completed.add(c.trueTarget() != null ? c : new EvaluationCase(c.request(), answer, c.paraphrases(),
                    c.neighbourhood(), c.portability(), c.baseline()));
        }
        List<String> probeAnswers = Answers.of(model, probes);
        List<EvaluationCase> prepared = baseline(completed);
        return new Baseline(prepared, answers, probes, probeAnswers, (System.nanoTime() - t0) / 1e9);
    }

    /** Returns the edit of {@code requests} computed by the editor on the model (left unchanged), with its time. */
    public ComputedEdit compute(List<EditRequest> requests, EditContext ctx) {
        long t0 = System.nanoTime();
        Edit edit = editor.computeEdit(model, requests, ctx);
        return new ComputedEdit(edit, (System.nanoTime() - t0) / 1e9);
    }

    /** Returns {@code edit} applied to the model; closing the result restores the weights it touched. */
    public AppliedEdits apply(Edit edit) {
        return AppliedEdits.of(model, edit);
    }

    /**
     * Returns a hold on {@code weights}: edits applied through it accumulate, and closing it restores those weights
     * (and any others the edits touched) to their values now.
     */
    public AppliedEdits hold(Collection<String> weights) {
        return new AppliedEdits(model).holdAlso(weights);
    }

    /** Returns every evaluator's scores for {@code cases} on the model as it is now. */
    public List<Score> score(List<EvaluationCase> cases) {
        return score(cases, ProgressListener.NONE);
    }

    /** Returns every evaluator's scores for {@code cases}, reporting stage {@code evaluation} to {@code progress}. */
    public List<Score> score(List<EvaluationCase> cases, ProgressListener progress) {
        List<Score> scores = new ArrayList<>();
        progress.progress("evaluation", 0, evaluators.size());
        for (int i = 0; i < evaluators.size(); i++) {
            scores.addAll(evaluators.get(i).evaluate(model, cases));
            progress.progress("evaluation", i + 1, evaluators.size());
        }
        return scores;
    }

    /**
     * Returns the edit of the requests of {@code before}, computed, applied, and observed: the answers to the
     * requests and probes after it and the evaluators' scores. The model holds the edit until the trial is closed
     * (which restores it unless kept); if anything fails on the way the model is left as it was.
     */
    public EditTrial trial(Baseline before, EditContext ctx) {
        ComputedEdit computed = compute(before.requests(), ctx);
        ctx.checkCancelled();
        AppliedEdits applied = apply(computed.edit());
        try {
            long t0 = System.nanoTime();
            List<String> after = Answers.of(model, before.prompts());
            List<String> probesAfter = Answers.of(model, before.probes());
            List<Score> scores = score(before.cases(), ctx.progress());
            return new EditTrial(before, computed, applied, after, probesAfter, scores,
                    (System.nanoTime() - t0) / 1e9);
        } catch (RuntimeException | Error e) {
            applied.close();
            throw e;
        }
    }

    /** Returns the scores keyed {@code protocol/metric}, as the CLI and the benchmarks print them. */
    public static Map<String, Double> byKey(List<Score> scores) {
        Map<String, Double> out = new LinkedHashMap<>();
        for (Score s : scores) {
            out.put(s.protocol() + "/" + s.metric(), s.value());
        }
        return out;
    }
}
