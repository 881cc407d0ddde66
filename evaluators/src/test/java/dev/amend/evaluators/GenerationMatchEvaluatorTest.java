package dev.amend.evaluators;

import static dev.amend.evaluators.SingleSequenceScoring.PROMPTS;
import static dev.amend.evaluators.TestCases.score;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.amend.runtime.model.CharTokenizer;
import dev.amend.runtime.model.TinyModels;
import dev.amend.runtime.model.Transformer;
import dev.amend.spi.edit.EvaluationCase;
import dev.amend.spi.edit.Score;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** CounterFact judged on free greedy generation, on a tiny real model whose generations set the expected answers. */
class GenerationMatchEvaluatorTest {
    static final Transformer MODEL = TinyModels.random(TinyModels.gpt2(), 1, CharTokenizer.INSTANCE);
    static final GenerationMatchEvaluator EVALUATOR = new GenerationMatchEvaluator();

    @AfterAll
    static void close() {
        MODEL.close();
    }

    /** Returns the first normalised word the model generates after {@code prompt}, or null when none ends within 16 tokens. */
    private static String firstWord(String prompt) {
        String g = AnswerMatch.normalise(GenerationMatchEvaluator.generate(MODEL, prompt, "abcdefghijkl"));
        return g.contains(" ") ? g.split(" ")[0] : null;
    }

    @Test
    void theGeneratedWordMatchesInAnyCaseAndALongerWordDoesNot() {
        List<String> usable = PROMPTS.stream().filter(p -> firstWord(p) != null).limit(4).toList();
        assertEquals(4, usable.size(), "prompts whose greedy generation starts with a word");
        String rewrite = usable.get(0);
        String word = firstWord(rewrite);
        // upper case, an article in front and a period behind: the same answer after normalisation
        String target = "The " + word.toUpperCase(java.util.Locale.ROOT) + ".";
        String neighbour = usable.get(1);
        String wrongNeighbour = usable.get(2);
        EvaluationCase matching = TestCases.of(rewrite, target, null, List.of(rewrite, usable.get(3)),
                Map.of(neighbour, " " + firstWord(neighbour), wrongNeighbour, " " + firstWord(wrongNeighbour) + "q"),
                Map.of());
        EvaluationCase longer = TestCases.of(rewrite, " " + word + "q", null, List.of(), Map.of(), Map.of());

        List<Score> scores = EVALUATOR.evaluate(MODEL, List.of(matching, longer));
        assertEquals(new Score("efficacy", "generation-match", 0.5, 2), score(scores, "efficacy"));
        double second = GenerationMatchEvaluator.answers(MODEL, usable.get(3), target) ? 1 : 0;
        assertEquals(new Score("generalization", "generation-match", (1 + second) / 2, 1),
                score(scores, "generalization"));
        assertEquals(new Score("specificity", "generation-match", 0.5, 1), score(scores, "specificity"));
        assertTrue(GenerationMatchEvaluator.answers(MODEL, rewrite, " " + word));
    }

    @Test
    void theGenerationStopsAfterTheAnswersLengthPlusFourTokens() {
        String prompt = PROMPTS.get(0);
        int answerTokens = MODEL.tokenizer().encodeContinuation(prompt, "xyz").length;
        String g = GenerationMatchEvaluator.generate(MODEL, prompt, "xyz");
        assertTrue(MODEL.tokenizer().encode(g, false).length <= answerTokens + GenerationMatchEvaluator.EXTRA_TOKENS, g);
    }
}
