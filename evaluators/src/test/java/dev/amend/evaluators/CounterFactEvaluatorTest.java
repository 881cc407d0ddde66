package dev.amend.evaluators;

import static dev.amend.evaluators.SingleSequenceScoring.PROMPTS;
import static dev.amend.evaluators.SingleSequenceScoring.meanLogProb;
import static dev.amend.evaluators.SingleSequenceScoring.plainGreedyText;
import static dev.amend.evaluators.TestCases.score;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.amend.runtime.model.CharTokenizer;
import dev.amend.runtime.model.TinyModels;
import dev.amend.runtime.model.Transformer;
import dev.amend.spi.edit.EvaluationCase;
import dev.amend.spi.edit.Score;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** CounterFact's probability comparisons on a tiny real model, against plain recomputations. */
class CounterFactEvaluatorTest {
    static final Transformer MODEL = TinyModels.random(TinyModels.gpt2(), 1, CharTokenizer.INSTANCE);
    static final CounterFactEvaluator EVALUATOR = new CounterFactEvaluator();

    @AfterAll
    static void close() {
        MODEL.close();
    }

    @Test
    void efficacyIsOneWhenTheNewTargetIsTheGreedyNextTokenAndZeroWhenSwapped() {
        List<EvaluationCase> greedyIsNew = new ArrayList<>();
        List<EvaluationCase> greedyIsTrue = new ArrayList<>();
        for (Map.Entry<String, String> e : greedyNextCharacters(3).entrySet()) {
            String other = e.getValue().equals("q") ? "z" : "q";
            greedyIsNew.add(TestCases.of(e.getKey(), e.getValue(), other, List.of(), Map.of(), Map.of()));
            greedyIsTrue.add(TestCases.of(e.getKey(), other, e.getValue(), List.of(), Map.of(), Map.of()));
        }
        Score won = score(EVALUATOR.evaluate(MODEL, greedyIsNew), "efficacy");
        assertEquals(new Score("efficacy", "counterfact-probability", 1.0, 3), won);
        assertEquals(0.0, score(EVALUATOR.evaluate(MODEL, greedyIsTrue), "efficacy").value());
    }

    @Test
    void generalizationAndSpecificityAreWonComparisonsAveragedPerCaseThenOverCases() {
        // new targets that are greedy after some prompts, so that comparisons go both ways
        String nextAfter1 = plainGreedyText(MODEL, PROMPTS.get(1), 1);
        String nextAfter6 = plainGreedyText(MODEL, PROMPTS.get(6), 1);
        String nextAfter12 = plainGreedyText(MODEL, PROMPTS.get(12), 1);
        List<EvaluationCase> cases = List.of(
                TestCases.of(PROMPTS.get(0), nextAfter1, "paris", List.of(PROMPTS.get(1), PROMPTS.get(2)),
                        Map.of(PROMPTS.get(3), "italy", PROMPTS.get(4), "latin"), Map.of()),
                TestCases.of(PROMPTS.get(5), "german", nextAfter6, List.of(PROMPTS.get(6), PROMPTS.get(7), PROMPTS.get(8)),
                        Map.of(PROMPTS.get(9), plainGreedyText(MODEL, PROMPTS.get(9), 2)), Map.of()),
                TestCases.of(PROMPTS.get(10), nextAfter12, "shakespeare", List.of(PROMPTS.get(11)),
                        Map.of(PROMPTS.get(12), "pacific", PROMPTS.get(13), "yen", PROMPTS.get(14), "woof"), Map.of()),
                // no true target: counts for specificity only
                TestCases.of(PROMPTS.get(15), "pizza", null, List.of(PROMPTS.get(0)),
                        Map.of(PROMPTS.get(2), "paris"), Map.of()));
        double efficacy = 0;
        double efficacyMargin = 0;
        double generalization = 0;
        double specificity = 0;
        double specificityMargin = 0;
        for (EvaluationCase c : cases) {
            String target = c.request().target();
            if (c.trueTarget() != null) {
                double lpNew = meanLogProb(MODEL, c.request().filledPrompt(), target);
                double lpTrue = meanLogProb(MODEL, c.request().filledPrompt(), c.trueTarget());
                efficacy += lpNew > lpTrue ? 1 : 0;
                efficacyMargin += Math.exp(lpNew) - Math.exp(lpTrue);
                double won = 0;
                for (String p : c.paraphrases()) {
                    won += meanLogProb(MODEL, p, target) > meanLogProb(MODEL, p, c.trueTarget()) ? 1 : 0;
                }
                generalization += won / c.paraphrases().size();
            }
            double won = 0;
            double margin = 0;
            for (Map.Entry<String, String> n : c.neighbourhood().entrySet()) {
                double lpOwn = meanLogProb(MODEL, n.getKey(), n.getValue());
                double lpNew = meanLogProb(MODEL, n.getKey(), target);
                won += lpOwn > lpNew ? 1 : 0;
                margin += Math.exp(lpOwn) - Math.exp(lpNew);
            }
            specificity += won / c.neighbourhood().size();
            specificityMargin += margin / c.neighbourhood().size();
        }
        assertTrue(generalization > 0 && generalization < 3 && specificity > 0 && specificity < 4,
                "the fixture has comparisons won and lost: " + generalization + ", " + specificity);
        List<Score> scores = EVALUATOR.evaluate(MODEL, cases);
        assertTrue(scores.stream().allMatch(s -> s.protocol().equals("counterfact-probability")), scores.toString());
        assertEquals(new Score("efficacy", "counterfact-probability", efficacy / 3, 3), score(scores, "efficacy"));
        assertEquals(new Score("generalization", "counterfact-probability", generalization / 3, 3),
                score(scores, "generalization"));
        assertEquals(new Score("specificity", "counterfact-probability", specificity / 4, 4), score(scores, "specificity"));
        assertEquals(efficacyMargin / 3, score(scores, "efficacy_magnitude").value(), 1e-5);
        assertEquals(specificityMargin / 4, score(scores, "specificity_magnitude").value(), 1e-5);
        assertEquals(3, score(scores, "generalization_magnitude").count());
    }

    @Test
    void noCasesGiveNoScores() {
        assertEquals(List.of(), EVALUATOR.evaluate(MODEL, List.of()));
    }

    /** Returns prompts whose greedy next character is plain text, with that character. */
    static Map<String, String> greedyNextCharacters(int count) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String p : PROMPTS) {
            String next = SingleSequenceScoring.greedyText(MODEL, p, 1);
            if (next != null && out.size() < count) {
                out.put(p, next);
            }
        }
        assertEquals(count, out.size(), "prompts with a plain greedy next character");
        return out;
    }
}
