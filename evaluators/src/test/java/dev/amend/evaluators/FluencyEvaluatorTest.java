package dev.amend.evaluators;

import static dev.amend.evaluators.FluencyEvaluator.weightedNgramEntropy;
import static dev.amend.evaluators.SingleSequenceScoring.PROMPTS;
import static dev.amend.evaluators.TestCases.score;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.amend.runtime.model.CharTokenizer;
import dev.amend.runtime.model.TinyModels;
import dev.amend.runtime.model.Transformer;
import dev.amend.spi.edit.EvaluationCase;
import dev.amend.spi.edit.Score;
import dev.amend.spi.model.GenerationRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** The weighted n-gram entropy against hand-computed values, and the evaluator against plain generation. */
class FluencyEvaluatorTest {
    static final Transformer MODEL = TinyModels.random(TinyModels.gpt2(), 1, CharTokenizer.INSTANCE);

    @AfterAll
    static void close() {
        MODEL.close();
    }

    private static double log2(double x) {
        return Math.log(x) / Math.log(2);
    }

    /** Returns (2/3 H2 + 4/3 H3) / 2. */
    private static double weighted(double h2, double h3) {
        return (2.0 / 3 * h2 + 4.0 / 3 * h3) / 2;
    }

    @Test
    void repeatedWordsAndTooShortTextsHaveZeroEntropy() {
        assertEquals(0.0, weightedNgramEntropy("a a a a"));
        assertEquals(0.0, weightedNgramEntropy("the the the the the the the"));
        assertEquals(0.0, weightedNgramEntropy("aaaa"));
        assertEquals(0.0, weightedNgramEntropy(""));
    }

    @Test
    void distinctNgramsSeenOnceEachGiveLogTwoOfTheirNumber() {
        // 8 distinct bigrams, 7 distinct trigrams
        assertEquals(weighted(3, log2(7)), weightedNgramEntropy("one two three four five six seven eight nine"), 1e-12);
        assertEquals(weighted(2, log2(3)), weightedNgramEntropy("a b c d e"), 1e-12);
    }

    @Test
    void repeatedNgramsWeighByTheirFrequency() {
        // bigrams ab, ba, ab: -(2/3 log2 2/3 + 1/3 log2 1/3); trigrams aba, bab: 1
        double h2 = -(2.0 / 3 * log2(2.0 / 3) + 1.0 / 3 * log2(1.0 / 3));
        assertEquals(weighted(h2, 1), weightedNgramEntropy("a b a b"), 1e-12);
    }

    @Test
    void wordsAreRunsOfLettersAndDigitsAndSinglePunctuationMarks() {
        assertEquals(List.of("Paris", ",", "France", ".", ".", "42", "km", "don", "'", "t"),
                FluencyEvaluator.words("Paris, France.. 42 km  don't"));
        // [Paris , France .]: 3 distinct bigrams, 2 distinct trigrams
        assertEquals(weighted(log2(3), 1), weightedNgramEntropy("Paris, France."), 1e-12);
    }

    @Test
    void theMetricIsTheMeanEntropyOfGreedyGenerationsFromRewritePromptsAndParaphrasesAlsoUnderItsFormerName() {
        List<EvaluationCase> cases = List.of(
                TestCases.of(PROMPTS.get(0), "rome", "paris", List.of(PROMPTS.get(1), PROMPTS.get(2)), Map.of(), Map.of()),
                TestCases.of(PROMPTS.get(3), "k", null, List.of(), Map.of(), Map.of()));
        List<String> prompts = List.of(PROMPTS.get(0), PROMPTS.get(1), PROMPTS.get(2), PROMPTS.get(3));
        List<Double> entropies = new ArrayList<>();
        for (String p : prompts) {
            String generated = MODEL.generate(GenerationRequest.greedy(MODEL.tokenizer().encode(p, true), 20)).text();
            entropies.add(weightedNgramEntropy(p + generated));
        }
        double expected = entropies.stream().mapToDouble(Double::doubleValue).sum() / prompts.size();
        List<Score> scores = new FluencyEvaluator(20).evaluate(MODEL, cases);
        Score entropy = score(scores, "greedy_ngram_entropy");
        assertEquals(4, entropy.count());
        assertEquals("ngram-entropy", entropy.protocol());
        assertEquals(expected, entropy.value(), 1e-12);
        // the former name carries the same value, for clients that read it
        Score fluency = score(scores, "fluency");
        assertEquals(entropy, new Score("greedy_ngram_entropy", fluency.protocol(), fluency.value(), fluency.count()));
        // the default length runs into the tiny model's 64 positions and still scores every generation
        assertEquals(4, score(new FluencyEvaluator().evaluate(MODEL, cases), "fluency").count());
        assertThrows(IllegalArgumentException.class, () -> new FluencyEvaluator(0));
    }
}
