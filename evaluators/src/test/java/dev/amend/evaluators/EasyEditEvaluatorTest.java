package dev.amend.evaluators;

import static dev.amend.evaluators.SingleSequenceScoring.PROMPTS;
import static dev.amend.evaluators.SingleSequenceScoring.argmaxes;
import static dev.amend.evaluators.SingleSequenceScoring.plainGreedyText;
import static dev.amend.evaluators.SingleSequenceScoring.tokenAccuracy;
import static dev.amend.evaluators.TestCases.has;
import static dev.amend.evaluators.TestCases.score;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.amend.runtime.model.CharTokenizer;
import dev.amend.runtime.model.TinyModels;
import dev.amend.runtime.model.Transformer;
import dev.amend.spi.edit.EvaluationCase;
import dev.amend.spi.edit.Score;
import dev.amend.spi.edit.WeightDelta;
import dev.amend.spi.model.EditPoint;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** EasyEdit's token accuracy and locality on a tiny real model, against plain recomputations. */
class EasyEditEvaluatorTest {
    static final Transformer MODEL = TinyModels.random(TinyModels.gpt2(), 1, CharTokenizer.INSTANCE);
    static final EasyEditEvaluator EVALUATOR = new EasyEditEvaluator();

    /** Targets that start greedy and then go astray, so that token accuracies lie between 0 and 1. */
    static final List<EvaluationCase> CASES = List.of(
            TestCases.of(PROMPTS.get(0), plainGreedyText(MODEL, PROMPTS.get(0), 2) + "zz", "paris",
                    List.of(PROMPTS.get(1), PROMPTS.get(2)), Map.of(PROMPTS.get(3), "italy", PROMPTS.get(4), "latin"),
                    Map.of()),
            TestCases.of(PROMPTS.get(5), "german", null, List.of(),
                    Map.of(PROMPTS.get(9), "100 degrees"),
                    Map.of(PROMPTS.get(6), "steve jobs", PROMPTS.get(7), plainGreedyText(MODEL, PROMPTS.get(7), 3))),
            TestCases.of(PROMPTS.get(10), plainGreedyText(MODEL, PROMPTS.get(11), 1) + "q", null,
                    List.of(PROMPTS.get(11)), Map.of(), Map.of()));

    @AfterAll
    static void close() {
        MODEL.close();
    }

    @Test
    void accuraciesAreTeacherForcedArgmaxRatesAveragedPerCaseThenOverCases() {
        double reliability = 0;
        double generalization = 0;
        for (EvaluationCase c : CASES) {
            reliability += tokenAccuracy(MODEL, c.request().filledPrompt(), c.request().target());
            generalization += c.paraphrases().isEmpty() ? 0 : c.paraphrases().stream()
                    .mapToDouble(p -> tokenAccuracy(MODEL, p, c.request().target())).sum() / c.paraphrases().size();
        }
        double portability = (tokenAccuracy(MODEL, PROMPTS.get(6), "steve jobs") + 1.0) / 2;
        assertTrue(reliability > 0 && reliability < 3 && generalization > 0 && generalization < 2,
                "the fixture has right and wrong tokens: " + reliability + ", " + generalization);

        List<Score> scores = EVALUATOR.evaluate(MODEL, EVALUATOR.baseline(MODEL, CASES));
        assertTrue(scores.stream().allMatch(s -> s.protocol().equals("easyedit-token-accuracy")), scores.toString());
        assertEquals(reliability / 3, score(scores, "reliability").value(), 1e-12);
        assertEquals(3, score(scores, "reliability").count());
        assertEquals(generalization / 2, score(scores, "generalization").value(), 1e-12);
        assertEquals(2, score(scores, "generalization").count());
        assertEquals(new Score("portability", "easyedit-token-accuracy", portability, 1), score(scores, "portability"));

        List<EvaluationCase> withoutPortability = List.of(CASES.get(0), CASES.get(2));
        assertFalse(has(EVALUATOR.evaluate(MODEL, EVALUATOR.baseline(MODEL, withoutPortability)), "portability"));
    }

    @Test
    void baselineRecordsThePreEditArgmaxesAndKeepsOtherEntries() {
        EvaluationCase c = new EvaluationCase(CASES.get(0).request(), null, List.of(), CASES.get(0).neighbourhood(),
                Map.of(), Map.of("other evaluator", "kept"));
        Map<String, String> baseline = EVALUATOR.baseline(MODEL, List.of(c)).get(0).baseline();
        Map<String, String> expected = new HashMap<>(Map.of("other evaluator", "kept"));
        c.neighbourhood().forEach((prompt, answer) -> expected.put(prompt, Arrays.stream(argmaxes(MODEL, prompt, answer))
                .mapToObj(Integer::toString).collect(Collectors.joining(","))));
        assertEquals(expected, baseline);
    }

    @Test
    void localityIsOneOnAnUnchangedModelAndDropsWhenAWeightIsPerturbed() {
        List<EvaluationCase> recorded = EVALUATOR.baseline(MODEL, CASES);
        assertEquals(new Score("locality", "easyedit-token-accuracy", 1.0, 2),
                score(EVALUATOR.evaluate(MODEL, recorded), "locality"));

        Map<String, int[]> before = new HashMap<>();
        CASES.forEach(c -> c.neighbourhood().forEach((p, a) -> before.put(p, argmaxes(MODEL, p, a))));
        EditPoint point = MODEL.architecture().editPoint(1);
        float[] values = new float[point.outFeatures() * point.inFeatures()];
        Random random = new Random(3);
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) (2 * random.nextGaussian());
        }
        WeightDelta delta = new WeightDelta.Dense(point.weight(), point.outFeatures(), point.inFeatures(), values);
        MODEL.addToWeight(delta);
        try {
            double expected = 0;
            for (EvaluationCase c : CASES) {
                if (!c.neighbourhood().isEmpty()) {
                    expected += c.neighbourhood().entrySet().stream().mapToDouble(n -> {
                        int[] now = argmaxes(MODEL, n.getKey(), n.getValue());
                        return (double) SingleSequenceScoring.countEqual(before.get(n.getKey()), now) / now.length;
                    }).sum() / c.neighbourhood().size();
                }
            }
            Score perturbed = score(EVALUATOR.evaluate(MODEL, recorded), "locality");
            assertTrue(perturbed.value() < 1.0, "locality after a perturbation: " + perturbed);
            assertEquals(expected / 2, perturbed.value(), 1e-12);
        } finally {
            MODEL.addToWeight(delta.negate());
        }
        assertEquals(1.0, score(EVALUATOR.evaluate(MODEL, recorded), "locality").value());
    }

    @Test
    void localityWithoutABaselineSaysToRecordOne() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> EVALUATOR.evaluate(MODEL, CASES));
        assertTrue(e.getMessage().contains("baseline("), e.getMessage());
    }
}
