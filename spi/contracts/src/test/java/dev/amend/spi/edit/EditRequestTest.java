package dev.amend.spi.edit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.amend.spi.InvalidRequestException;
import org.junit.jupiter.api.Test;

class EditRequestTest {

    @Test
    void aTargetGetsItsLeadingSpaceAndThePromptItsPlaceholder() {
        EditRequest r = EditRequest.of("The capital of France is", "France", "Rome");
        assertEquals("The capital of {} is", r.prompt());
        assertEquals(" Rome", r.target());
        assertEquals("The capital of France is", r.filledPrompt());
    }

    @Test
    void aSubjectMissingFromThePromptIsRefusedWithWhatToFix() {
        InvalidRequestException e = assertThrows(InvalidRequestException.class,
                () -> EditRequest.of("The capital of Spain is", "France", "Rome"));
        assertTrue(e.getMessage().contains("the subject \"France\" is not in the prompt"), e.getMessage());
    }

    @Test
    void emptyTargetsAndSubjectsAreRefused() {
        assertThrows(InvalidRequestException.class, () -> EditRequest.of("The capital of {} is", "France", "  "));
        assertThrows(InvalidRequestException.class, () -> EditRequest.of("The capital of {} is", "", "Rome"));
        assertThrows(InvalidRequestException.class, () -> EditRequest.of("{} and {}", "France", "Rome"));
    }

    @Test
    void lowRankDeltasExpandToTheirProduct() {
        WeightDelta.LowRank d = new WeightDelta.LowRank("w", 2, 3, 1, new float[] {1, 2}, new float[] {3, 4, 5});
        assertEquals(java.util.List.of(3f, 4f, 5f, 6f, 8f, 10f), toList(d.toDense()));
        assertEquals(java.util.List.of(-3f, -4f, -5f, -6f, -8f, -10f), toList(d.negate().toDense()));
        assertThrows(IllegalArgumentException.class, () -> new WeightDelta.Dense("w", 2, 2, new float[3]));
    }

    private static java.util.List<Float> toList(float[] a) {
        java.util.List<Float> l = new java.util.ArrayList<>();
        for (float f : a) {
            l.add(f);
        }
        return l;
    }
}
