package dev.amend.demo.corpus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The fixed editor split: its sizes (documented in the README), whole subjects per part, enough held-out subjects. */
class EditorSplitTest {
    @Test
    void partsAreFixedBySubjectAndHoldOutEnoughFacts() {
        FactCorpus corpus = FactCorpus.load();
        assertEquals(252, EditorSplit.HELDOUT.facts(corpus).size());
        assertEquals(222, EditorSplit.VALIDATION.facts(corpus).size());
        assertEquals(1762, EditorSplit.TRAIN.facts(corpus).size());
        Set<String> held = new HashSet<>();
        for (Fact f : EditorSplit.HELDOUT.facts(corpus)) {
            held.add(f.subject());
        }
        assertTrue(held.size() >= 100, "distinct held-out subjects: " + held.size());
        for (Fact f : EditorSplit.TRAIN.facts(corpus)) {
            assertTrue(!held.contains(f.subject()), f.subject() + " is both held out and trained on");
        }
        assertEquals(EditorSplit.HELDOUT, EditorSplit.ofSubject(EditorSplit.HELDOUT.facts(corpus).get(0).subject()));
    }
}
