package dev.amend.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.amend.demo.corpus.EditorSplit;
import dev.amend.demo.corpus.Fact;
import dev.amend.demo.corpus.FactCorpus;
import dev.amend.spi.InvalidRequestException;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The validation and held-out parts of the demo corpus and of long-form files. */
class BenchSplitTest {
    @Test
    void validationAndHeldoutAreDisjointBucketsOfTheCorpus() {
        FactCorpus corpus = FactCorpus.load();
        List<Fact> validation = BenchSplit.VALIDATION.facts(corpus);
        List<Fact> heldout = BenchSplit.HELDOUT.facts(corpus);
        assertEquals(222, validation.size());
        assertEquals(252, heldout.size());
        assertEquals(corpus.facts().size(), BenchSplit.ALL.facts(corpus).size());
        Set<String> subjects = new HashSet<>();
        validation.forEach(f -> subjects.add(f.subject()));
        assertTrue(heldout.stream().noneMatch(f -> subjects.contains(f.subject())), "no subject in both parts");
        assertTrue(validation.stream().allMatch(f -> EditorSplit.of(f) == EditorSplit.VALIDATION));
    }

    @Test
    void namesAreReadInAnyCaseAndOthersRefused() {
        assertEquals(BenchSplit.HELDOUT, BenchSplit.of("HeldOut"));
        assertEquals("validation", BenchSplit.of("validation").id());
        InvalidRequestException e = assertThrows(InvalidRequestException.class, () -> BenchSplit.of("test"));
        assertTrue(e.getMessage().contains("all, validation or heldout"), e.getMessage());
    }

    @Test
    void itemKeysFallInTheSamePartsAsSubjects() {
        assertEquals(EditorSplit.ofSubject("774") == EditorSplit.HELDOUT, BenchSplit.HELDOUT.includes("774"));
        assertTrue(BenchSplit.ALL.includes("anything"));
    }

    @Test
    void drawsFromTheValidationSplitUseItsSubjectsOnly() {
        FactCorpus corpus = FactCorpus.load();
        var cases = CounterFactBench.cases(corpus, BenchSplit.VALIDATION.facts(corpus), 50, 5, 1);
        assertEquals(50, cases.size());
        assertTrue(cases.stream().allMatch(c ->
                EditorSplit.ofSubject(c.request().subject()) == EditorSplit.VALIDATION));
    }
}
