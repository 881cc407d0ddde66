package dev.amend.runtime.editing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** An edit's notes read from its metadata: the editor's own, and a decorator's base edits'. */
class EditNotesTest {
    @Test
    void readsTheWarningsAndTheNonFiniteStepsOfAnEditor() {
        EditNotes notes = EditNotes.of(Map.of("warnings", List.of("corpus short"), "non_finite_steps", 2,
                "layer", 1));
        assertEquals(List.of("corpus short"), notes.warnings());
        assertEquals(2, notes.nonFiniteSteps());
        assertEquals(List.of("warning: corpus short", "warning: 2 delta optimisation(s) stopped on a loss or gradient"
                + " that was not finite (non_finite_steps); the edit kept the last finite step"), notes.lines());
    }

    @Test
    void anEditWithoutNotesHasNone() {
        EditNotes notes = EditNotes.of(Map.of("layer", 1));
        assertEquals(new EditNotes(List.of(), 0), notes);
        assertTrue(notes.lines().isEmpty());
    }

    @Test
    void aDecoratorCarriesItsBaseEditsWarningsOnce() {
        Map<String, Object> joint = Map.of("non_finite_steps", 1, "base_metadata",
                Map.of("warnings", List.of("corpus short"), "non_finite_steps", 0));
        assertEquals(new EditNotes(List.of("corpus short"), 1), EditNotes.of(joint));
        Map<String, Object> sequential = Map.of("non_finite_steps", 0, "base_metadata", List.of(
                Map.of("warnings", List.of("corpus short")), Map.of("warnings", List.of("corpus short", "other"))));
        assertEquals(new EditNotes(List.of("corpus short", "other"), 0), EditNotes.of(sequential));
    }
}
