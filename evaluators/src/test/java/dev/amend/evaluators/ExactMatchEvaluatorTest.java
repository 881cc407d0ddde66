package dev.amend.evaluators;

import static dev.amend.evaluators.SingleSequenceScoring.PROMPTS;
import static dev.amend.evaluators.SingleSequenceScoring.greedyMatch;
import static dev.amend.evaluators.TestCases.score;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.amend.runtime.model.CharTokenizer;
import dev.amend.runtime.model.TinyModels;
import dev.amend.runtime.model.Transformer;
import dev.amend.spi.edit.EvaluationCase;
import dev.amend.spi.edit.Score;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** CounterFact as greedy exact match on a tiny real model, against greedy generation. */
class ExactMatchEvaluatorTest {
    static final Transformer MODEL = TinyModels.random(TinyModels.gpt2(), 1, CharTokenizer.INSTANCE);
    static final ExactMatchEvaluator EVALUATOR = new ExactMatchEvaluator();

    @AfterAll
    static void close() {
        MODEL.close();
    }

    @Test
    void theGreedyContinuationMatchesAndAnotherAnswerDoesNot() {
        List<String> usable = PROMPTS.stream().filter(p -> SingleSequenceScoring.greedyText(MODEL, p, 3) != null)
                .limit(4).toList();
        assertEquals(4, usable.size(), "prompts with a plain greedy continuation");
        String rewrite = usable.get(0);
        String continuation = SingleSequenceScoring.greedyText(MODEL, rewrite, 3);
        String neighbour = usable.get(1);
        String neighbourAnswer = SingleSequenceScoring.greedyText(MODEL, neighbour, 2);
        assertNotNull(neighbourAnswer);
        String wrongNeighbour = usable.get(2);
        String wrongAnswer = differentFirstCharacter(SingleSequenceScoring.greedyText(MODEL, wrongNeighbour, 1));
        // the rewrite prompt itself as a paraphrase matches; another prompt matches as greedy generation says
        List<String> paraphrases = List.of(rewrite, usable.get(3));
        EvaluationCase matching = TestCases.of(rewrite, continuation, null, paraphrases,
                Map.of(neighbour, neighbourAnswer, wrongNeighbour, wrongAnswer), Map.of());
        EvaluationCase notMatching = TestCases.of(rewrite, differentFirstCharacter(continuation) + "ab", null,
                List.of(), Map.of(), Map.of());

        List<Score> scores = EVALUATOR.evaluate(MODEL, List.of(matching, notMatching));
        assertEquals(new Score("efficacy", "counterfact-exact-match", 0.5, 2), score(scores, "efficacy"));
        double generalization = (1 + (greedyMatch(MODEL, usable.get(3), continuation) ? 1 : 0)) / 2.0;
        assertEquals(new Score("generalization", "counterfact-exact-match", generalization, 1),
                score(scores, "generalization"));
        assertEquals(new Score("specificity", "counterfact-exact-match", 0.5, 1), score(scores, "specificity"));

        List<Score> alone = EVALUATOR.evaluate(MODEL, List.of(matching));
        assertEquals(1.0, score(alone, "efficacy").value());
        assertEquals(0.0, score(EVALUATOR.evaluate(MODEL, List.of(notMatching)), "efficacy").value());
    }

    @Test
    void manyCasesAreScoredAsOneByOne() {
        // each new target is greedy after the paraphrase; after the rewrite prompt, as it happens
        List<EvaluationCase> cases = new ArrayList<>();
        for (int i = 0; i + 1 < PROMPTS.size(); i += 2) {
            String target = SingleSequenceScoring.plainGreedyText(MODEL, PROMPTS.get(i + 1), 1);
            cases.add(TestCases.of(PROMPTS.get(i), target, null, List.of(PROMPTS.get(i + 1)), Map.of(), Map.of()));
        }
        double efficacy = 0;
        for (EvaluationCase c : cases) {
            efficacy += greedyMatch(MODEL, c.request().filledPrompt(), c.request().target()) ? 1 : 0;
        }
        assertTrue(efficacy > 0 && efficacy < cases.size(), "the fixture has matches and misses: " + efficacy);
        List<Score> scores = EVALUATOR.evaluate(MODEL, cases);
        assertEquals(efficacy / cases.size(), score(scores, "efficacy").value());
        assertEquals(new Score("generalization", "counterfact-exact-match", 1.0, cases.size()),
                score(scores, "generalization"));
        assertFalse(TestCases.has(scores, "specificity"), "no neighbourhood, no specificity");
    }

    private static String differentFirstCharacter(String text) {
        return text.startsWith("q") ? "z" : "q";
    }
}
