package dev.amend.evaluators;

import dev.amend.spi.Evaluator;
import dev.amend.spi.edit.EvaluationCase;
import dev.amend.spi.edit.Score;
import dev.amend.spi.model.EditableModel;
import dev.amend.spi.model.GenerationRequest;
import java.util.ArrayList;
import java.util.List;

/**
 * CounterFact's three metrics judged on free generation instead of teacher forcing ("The Mirage of Model Editing",
 * 2025: teacher forcing feeds the expected tokens and so overstates edits). The model generates greedily from the
 * question alone, without the answer's tokens, stopping at end-of-text or after the expected answer's length in
 * tokens plus {@value #EXTRA_TOKENS} (room for another tokenisation of the same words and for the word boundary);
 * the answer counts when {@link AnswerMatch#startsWith} holds: after normalisation (case, punctuation, articles,
 * whitespace) the generation begins with the expected answer as whole words.
 * <ul>
 *   <li>{@code efficacy}: the rewrite prompt's generation gives the new target;
 *   <li>{@code generalization}: each paraphrase's generation gives the new target, averaged per case, then over cases;
 *   <li>{@code specificity}: each neighbourhood prompt's generation gives the neighbour's own answer, likewise.
 * </ul>
 * It costs one generation per probe (rewrite, paraphrases, neighbours) and is therefore not in the edit pipeline's
 * default list; the benchmarks report it beside the teacher-forced protocols.
 */
public final class GenerationMatchEvaluator implements Evaluator {
    /** The protocol tag of every score. */
    public static final String PROTOCOL = "generation-match";
    /** Tokens generated beyond the expected answer's length. */
    public static final int EXTRA_TOKENS = 4;

    /** Returns {@value #PROTOCOL}. */
    @Override
    public String protocol() {
        return PROTOCOL;
    }

    /** Returns efficacy, generalization and specificity as match rates; metrics with nothing to average are left out. */
    @Override
    public List<Score> evaluate(EditableModel model, List<EvaluationCase> cases) {
        RunningMean efficacy = new RunningMean();
        RunningMean generalization = new RunningMean();
        RunningMean specificity = new RunningMean();
        for (EvaluationCase c : cases) {
            String target = c.request().target();
            efficacy.add(answers(model, c.request().filledPrompt(), target));
            generalization.addMeanOf(CaseTexts.paraphrases(c), p -> answers(model, p, target) ? 1 : 0);
            specificity.addMeanOf(new ArrayList<>(c.neighbourhood().entrySet()),
                    n -> answers(model, n.getKey(), n.getValue()) ? 1 : 0);
        }
        List<Score> scores = new ArrayList<>();
        efficacy.reportTo(scores, "efficacy", PROTOCOL);
        generalization.reportTo(scores, "generalization", PROTOCOL);
        specificity.reportTo(scores, "specificity", PROTOCOL);
        return scores;
    }

    /** Returns true when the model's greedy generation after {@code prompt} gives {@code answer}. */
    public static boolean answers(EditableModel model, String prompt, String answer) {
        return AnswerMatch.startsWith(generate(model, prompt, answer), answer);
    }

    /** Returns the greedy generation after {@code prompt} with the budget {@code answer} gets. */
    public static String generate(EditableModel model, String prompt, String answer) {
        int[] ids = model.tokenizer().encode(prompt, true);
        int answerTokens = model.tokenizer().encodeContinuation(prompt, CaseTexts.continuation(prompt, answer)).length;
        int room = model.architecture().maxContext() - ids.length;
        int budget = Math.min(answerTokens + EXTRA_TOKENS, room);
        return budget <= 0 ? "" : model.generate(GenerationRequest.greedy(ids, budget)).text();
    }
}
