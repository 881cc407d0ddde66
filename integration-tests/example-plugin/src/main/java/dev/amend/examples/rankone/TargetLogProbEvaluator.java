package dev.amend.examples.rankone;

import dev.amend.kit.TargetScoring;
import dev.amend.spi.Evaluator;
import dev.amend.spi.edit.EvaluationCase;
import dev.amend.spi.edit.Score;
import dev.amend.spi.model.EditableModel;
import java.util.ArrayList;
import java.util.List;

/**
 * The mean log-probability per token of the new target, teacher-forced, after the rewrite prompt
 * ({@code target_logprob}) and after each paraphrase ({@code paraphrase_logprob}), averaged over cases.
 */
final class TargetLogProbEvaluator implements Evaluator {
    /** The protocol tag of every score. */
    static final String PROTOCOL = "example-target-logprob";

    /** Returns {@value #PROTOCOL}. */
    @Override
    public String protocol() {
        return PROTOCOL;
    }

    /** Returns target_logprob and, when there are paraphrases, paraphrase_logprob. */
    @Override
    public List<Score> evaluate(EditableModel model, List<EvaluationCase> cases) {
        List<String> prompts = new ArrayList<>();
        List<String> targets = new ArrayList<>();
        for (EvaluationCase c : cases) {
            prompts.add(c.request().filledPrompt());
            targets.add(c.request().target());
        }
        int rewrites = prompts.size();
        for (EvaluationCase c : cases) {
            for (String p : c.paraphrases()) {
                prompts.add(p);
                targets.add(c.request().target());
            }
        }
        List<TargetScoring.Scored> scored = TargetScoring.score(model, prompts, targets);
        List<Score> out = new ArrayList<>();
        out.add(new Score("target_logprob", PROTOCOL, mean(scored.subList(0, rewrites)), rewrites));
        if (scored.size() > rewrites) {
            out.add(new Score("paraphrase_logprob", PROTOCOL, mean(scored.subList(rewrites, scored.size())),
                    scored.size() - rewrites));
        }
        return out;
    }

    private static double mean(List<TargetScoring.Scored> s) {
        double sum = 0;
        for (TargetScoring.Scored x : s) {
            sum += x.meanLogProb();
        }
        return sum / s.size();
    }
}
