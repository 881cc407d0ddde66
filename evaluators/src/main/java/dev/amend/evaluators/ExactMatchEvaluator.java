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
 * CounterFact's three metrics as greedy exact match (every answer token is the argmax given the
 * prompt and the earlier answer tokens, i.e. greedy decoding starts with the whole answer):
 * {@code efficacy} of the new target after the rewrite prompt, {@code generalization} after each
 * paraphrase and {@code specificity} of each neighbour's own answer after its prompt, the last two
 * averaged per case, then over cases.
 */
public final class ExactMatchEvaluator implements Evaluator {
    /** The protocol tag of every score. */
    public static final String PROTOCOL = "counterfact-exact-match";

    /** Indices of one case's probes. */
    private record Planned(int rewrite, List<Integer> paraphrases, List<Integer> neighbours) {
    }

    /** Returns {@value #PROTOCOL}. */
    @Override
    public String protocol() {
        return PROTOCOL;
    }

    /** Returns efficacy, generalization and specificity as exact-match rates; metrics with nothing to average are left out. */
    @Override
    public List<Score> evaluate(EditableModel model, List<EvaluationCase> cases) {
        Probes probes = new Probes();
        List<Planned> plans = new ArrayList<>(cases.size());
        for (EvaluationCase c : cases) {
            String target = c.request().target();
            List<Integer> paraphrases = new ArrayList<>();
            for (String paraphrase : CaseTexts.paraphrases(c)) {
                paraphrases.add(probes.add(paraphrase, target));
            }
            List<Integer> neighbours = new ArrayList<>();
            for (Map.Entry<String, String> n : c.neighbourhood().entrySet()) {
                neighbours.add(probes.add(n.getKey(), n.getValue()));
            }
            plans.add(new Planned(probes.add(c.request().filledPrompt(), target), paraphrases, neighbours));
        }
        List<Scored> scored = probes.score(model);
        RunningMean efficacy = new RunningMean();
        RunningMean generalization = new RunningMean();
        RunningMean specificity = new RunningMean();
        for (Planned p : plans) {
            efficacy.add(scored.get(p.rewrite()).greedyMatch());
            generalization.addMeanOf(p.paraphrases(), i -> scored.get(i).greedyMatch() ? 1 : 0);
            specificity.addMeanOf(p.neighbours(), i -> scored.get(i).greedyMatch() ? 1 : 0);
        }
        List<Score> scores = new ArrayList<>();
        efficacy.reportTo(scores, "efficacy", PROTOCOL);
        generalization.reportTo(scores, "generalization", PROTOCOL);
        specificity.reportTo(scores, "specificity", PROTOCOL);
        return scores;
    }
}
