package dev.amend.runtime.editing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.amend.runtime.model.CharTokenizer;
import dev.amend.runtime.model.TinyModels;
import dev.amend.runtime.model.Transformer;
import dev.amend.spi.InvalidRequestException;
import dev.amend.spi.edit.EvaluationCase;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The one check of edit requests (count, target length, context) that the host and the CLI share. */
class EditLimitsTest {
    private static EditFact fact(String prompt, String subject, String target) {
        return new EditFact(prompt, subject, target, List.of("where is it"), Map.of("b is", " c"));
    }

    private static String refused(EditLimits limits, List<EditFact> facts, Transformer m) {
        return assertThrows(InvalidRequestException.class, () -> limits.check(facts, m, "tiny")).getMessage();
    }

    @Test
    void returnsTheCheckedRequestsAsCasesAndSaysWhatToFixOtherwise() {
        try (Transformer m = TinyModels.random(TinyModels.gpt2(), 1, CharTokenizer.INSTANCE)) {
            EditLimits limits = new EditLimits(2, 10);
            List<EvaluationCase> cases = limits.check(List.of(fact("the capital of {} is", "a", "rome")), m, "tiny");
            assertEquals(" rome", cases.get(0).request().target());
            assertEquals(List.of("where is it"), cases.get(0).paraphrases());
            assertEquals(Map.of("b is", " c"), cases.get(0).neighbourhood());
            assertNull(cases.get(0).trueTarget(), "the baseline answer becomes the true target");

            EditFact ok = fact("the capital of {} is", "a", "rome");
            assertTrue(refused(limits, List.of(), m).startsWith("no requests given"));
            assertTrue(refused(limits, Collections.nCopies(3, ok), m).startsWith("3 requests in one edit: at most 2"));
            assertTrue(refused(limits, List.of(fact("x {} y", "a", "b".repeat(11))), m)
                    .startsWith("the target is 12 tokens long: at most 10"));
            assertTrue(refused(limits, List.of(ok, fact("b".repeat(60) + " {}", "a", "rome")), m)
                    .startsWith("request 2: the prompt and target are 67 tokens together but model tiny reads at most 64"));
            assertTrue(refused(limits, List.of(ok, fact("the capital", "zz", "rome")), m)
                    .startsWith("request 2: the subject \"zz\" is not in the prompt"));
            assertTrue(refused(limits, List.of(fact("x {}", "a", null)), m)
                    .startsWith("each request needs \"prompt\", \"subject\" and \"target\""));
        }
    }

    @Test
    void textSizesAndEvaluationPromptsAreCheckedBeforeAnyTokenizing() {
        try (Transformer m = TinyModels.random(TinyModels.gpt2(), 1, CharTokenizer.INSTANCE)) {
            EditLimits limits = new EditLimits(2, 10, 30, 5, 12, 2);
            assertEquals(List.of(2, 10, 30, 5, 12, 2), List.of(limits.maxRequests(), limits.maxTargetTokens(),
                    limits.maxPromptChars(), limits.maxSubjectChars(), limits.maxTargetChars(),
                    limits.maxEvaluationPrompts()));
            assertTrue(refused(limits, List.of(fact("x".repeat(31) + " {}", "a", "b")), m)
                    .startsWith("the prompt is 34 characters: at most 30 (amend.edit.max-prompt-chars)"));
            assertTrue(refused(limits, List.of(fact("x {}", "abcdef", "b")), m)
                    .startsWith("the subject is 6 characters: at most 5 (amend.edit.max-subject-chars)"));
            String huge = "b".repeat(5_000_000);
            long t0 = System.nanoTime();
            assertTrue(refused(limits, List.of(fact("x {}", "a", huge)), m)
                    .startsWith("the target is 5000000 characters: at most 12 (amend.edit.max-target-chars)"));
            assertTrue(System.nanoTime() - t0 < 1_000_000_000L, "refused without tokenizing 5 MB");
            EditFact many = new EditFact("x {}", "a", "b", List.of("p1", "p2"), Map.of("n is", " m"));
            assertTrue(refused(limits, List.of(many), m).startsWith("the request has 3 paraphrases and"
                    + " neighbourhood prompts: at most 2 (amend.edit.max-evaluation-prompts)"));
            EditFact longParaphrase = new EditFact("x {}", "a", "b", List.of("p".repeat(31)), Map.of());
            assertTrue(refused(limits, List.of(longParaphrase), m)
                    .startsWith("paraphrase 1 is 31 characters: at most 30"));
            EditFact longAnswer = new EditFact("x {}", "a", "b", List.of(), Map.of("n is", "m".repeat(13)));
            assertTrue(refused(limits, List.of(longAnswer), m).contains("at most 12"));
            EditFact nullParaphrase = new EditFact("x {}", "a", "b", java.util.Arrays.asList("p", null), null);
            assertTrue(refused(limits, List.of(nullParaphrase), m).startsWith("paraphrase 2 is null"));
            java.util.Map<String, String> nullAnswer = new java.util.HashMap<>();
            nullAnswer.put("n is", null);
            assertTrue(refused(limits, List.of(new EditFact("x {}", "a", "b", null, nullAnswer)), m)
                    .startsWith("the neighbourhood prompt \"n is\" has no answer"));
            assertTrue(refused(limits, java.util.Arrays.asList(fact("x {}", "a", "b"), null), m)
                    .startsWith("request 2: each request needs"));
        }
    }
}
