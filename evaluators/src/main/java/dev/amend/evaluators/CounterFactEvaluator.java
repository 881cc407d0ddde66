package dev.amend.evaluators;

import dev.amend.kit.TargetScoring.Scored;
import dev.amend.spi.Evaluator;
import dev.amend.spi.edit.EvaluationCase;
import dev.amend.spi.edit.Score;
import dev.amend.spi.model.EditableModel;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * ROME's CounterFact probability comparison, on the mean per-token log-probability of each answer:
 * <ul>
 *   <li>{@code efficacy}: fraction of cases where the new target beats the true target after the rewrite prompt;
 *   <li>{@code generalization}: the same after each paraphrase, averaged per case, then over cases;
 *   <li>{@code specificity}: fraction of neighbourhood prompts where the neighbour's own answer beats the new
 *       target, averaged per case, then over cases;
 *   <li>{@code *_magnitude}: the mean margin of the winner's over the loser's mean per-token probability
 *       ({@code exp(-NLL)}), as ROME's {@code *_diff}.
 * </ul>
 * Cases without a true target count for specificity only.
 */
public final class CounterFactEvaluator implements Evaluator {
    /** The protocol tag of every score. */
    public static final String PROTOCOL = "counterfact-probability";

    /** Which two probes of one comparison should come out ahead and behind. */
    private record Comparison(int ahead, int behind) {
        boolean won(List<Scored> scored) {
            return scored.get(ahead).meanLogProb() > scored.get(behind).meanLogProb();
        }

        double margin(List<Scored> scored) {
            return Math.exp(scored.get(ahead).meanLogProb()) - Math.exp(scored.get(behind).meanLogProb());
        }
    }

    /** The comparisons of one case; {@code rewrite} is null and {@code paraphrases} empty without a true target. */
    private record Planned(Comparison rewrite, List<Comparison> paraphrases, List<Comparison> neighbours) {
    }

    /** Returns {@value #PROTOCOL}. */
    @Override
    public String protocol() {
        return PROTOCOL;
    }

    /** Returns efficacy, generalization and specificity with their magnitudes; metrics with nothing to average are left out. */
    @Override
    public List<Score> evaluate(EditableModel model, List<EvaluationCase> cases) {
        Probes probes = new Probes();
        List<Planned> plans = new ArrayList<>(cases.size());
        for (EvaluationCase c : cases) {
            plans.add(plan(c, probes));
        }
        List<Scored> scored = probes.score(model);
        RunningMean efficacy = new RunningMean();
        RunningMean efficacyMargin = new RunningMean();
        RunningMean generalization = new RunningMean();
        RunningMean generalizationMargin = new RunningMean();
        RunningMean specificity = new RunningMean();
        RunningMean specificityMargin = new RunningMean();
        for (Planned p : plans) {
            if (p.rewrite() != null) {
                efficacy.add(p.rewrite().won(scored));
                efficacyMargin.add(p.rewrite().margin(scored));
            }
            generalization.addMeanOf(p.paraphrases(), x -> x.won(scored) ? 1 : 0);
            generalizationMargin.addMeanOf(p.paraphrases(), x -> x.margin(scored));
            specificity.addMeanOf(p.neighbours(), x -> x.won(scored) ? 1 : 0);
            specificityMargin.addMeanOf(p.neighbours(), x -> x.margin(scored));
        }
        List<Score> scores = new ArrayList<>();
        efficacy.reportTo(scores, "efficacy", PROTOCOL);
        generalization.reportTo(scores, "generalization", PROTOCOL);
        specificity.reportTo(scores, "specificity", PROTOCOL);
        efficacyMargin.reportTo(scores, "efficacy_magnitude", PROTOCOL);
        generalizationMargin.reportTo(scores, "generalization_magnitude", PROTOCOL);
        specificityMargin.reportTo(scores, "specificity_magnitude", PROTOCOL);
        return scores;
    }

    private static Planned plan(EvaluationCase c, Probes probes) {
        String newTarget = c.request().target();
        Comparison rewrite = null;
        List<Comparison> paraphrases = new ArrayList<>();
        if (c.trueTarget() != null) {
            String prompt = c.request().filledPrompt();
            rewrite = new Comparison(probes.add(prompt, newTarget), probes.add(prompt, c.trueTarget()));
            for (String paraphrase : CaseTexts.paraphrases(c)) {
                paraphrases.add(new Comparison(probes.add(paraphrase, newTarget), probes.add(paraphrase, c.trueTarget())));
            }
        }
        List<Comparison> neighbours = new ArrayList<>();
        for (Map.Entry<String, String> n : c.neighbourhood().entrySet()) {
            neighbours.add(new Comparison(probes.add(n.getKey(), n.getValue()), probes.add(n.getKey(), newTarget)));
        }
        return new Planned(rewrite, paraphrases, neighbours);
    }
}
