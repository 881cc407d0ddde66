package dev.amend.runtime.editing;

import dev.amend.spi.edit.EditRequest;
import dev.amend.spi.edit.EvaluationCase;
import java.util.List;

/**
 * The model before an edit, as {@link EditSession#before} observed it.
 *
 * @param cases        the evaluation cases, one per request, with every evaluator's pre-edit observations
 * @param answers      the answer to each request's prompt
 * @param probes       further prompts answered before and after the edit
 * @param probeAnswers the answer to each probe
 * @param seconds      the time the observations took
 */
public record Baseline(List<EvaluationCase> cases, List<String> answers, List<String> probes,
                       List<String> probeAnswers, double seconds) {
    /** Copies the lists. */
    public Baseline {
        cases = List.copyOf(cases);
        answers = List.copyOf(answers);
        probes = List.copyOf(probes);
        probeAnswers = List.copyOf(probeAnswers);
    }

    /** Returns the edit requests, in order. */
    public List<EditRequest> requests() {
        return cases.stream().map(EvaluationCase::request).toList();
    }

    /** Returns each request's prompt with the subject filled in. */
    public List<String> prompts() {
        return cases.stream().map(c -> c.request().filledPrompt()).toList();
    }
}
