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
}
