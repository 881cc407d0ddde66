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
        assertTrue(e.getMessage().contains("all, validation, heldout or untuned"), e.getMessage());
    }

    @Test
    void itemKeysFallInTheSamePartsAsSubjects() {
        assertEquals(EditorSplit.ofSubject("774") == EditorSplit.HELDOUT, BenchSplit.HELDOUT.includes("774"));
        assertTrue(BenchSplit.ALL.includes("anything"));
        assertEquals(EditorSplit.ofSubject("774") != EditorSplit.VALIDATION, BenchSplit.UNTUNED.includes("774"));
    }

    @Test
    void untunedIsEverythingButTheValidationSplit() {
        FactCorpus corpus = FactCorpus.load();
        List<Fact> untuned = BenchSplit.UNTUNED.facts(corpus);
        assertEquals(corpus.facts().size() - BenchSplit.VALIDATION.facts(corpus).size(), untuned.size());
        assertTrue(untuned.containsAll(BenchSplit.HELDOUT.facts(corpus)));
        assertTrue(untuned.stream().noneMatch(f -> EditorSplit.of(f) == EditorSplit.VALIDATION));
    }

    @Test
    void drawsFromTheValidationSplitUseItsSubjectsOnly() {
        FactCorpus corpus = FactCorpus.load();
        var cases = CounterFactBench.cases(corpus, BenchSplit.VALIDATION.facts(corpus), 50, 5, 1);
        assertEquals(50, cases.size());
        assertTrue(cases.stream().allMatch(c ->
                EditorSplit.ofSubject(c.request().subject()) == EditorSplit.VALIDATION));
    }

    @Test
    void aSequentialDrawSparesTheSubjectsItEditsFromTheNeighbourhoods() {
        FactCorpus corpus = FactCorpus.load();
        List<Fact> pool = BenchSplit.UNTUNED.facts(corpus);
        var plain = CounterFactBench.cases(corpus, pool, 1000, 5, 2);
        var sequential = CounterFactBench.cases(corpus, pool, 1000, 5, 2, true);
        Set<String> edited = new HashSet<>();
        plain.forEach(c -> edited.add(c.request().filledPrompt()));
        long hit = plain.stream().flatMap(c -> c.neighbourhood().keySet().stream()).filter(edited::contains).count();
        assertTrue(hit > 100, "1,000 edits of 1,747 subjects: many plain neighbourhood prompts are edited facts ("
                + hit + ")");
        for (int i = 0; i < plain.size(); i++) {
            assertEquals(plain.get(i).request(), sequential.get(i).request(), "the same edits");
            assertEquals(5, sequential.get(i).neighbourhood().size());
            assertTrue(sequential.get(i).neighbourhood().keySet().stream().noneMatch(edited::contains),
                    sequential.get(i).neighbourhood().toString());
        }
        var few = CounterFactBench.cases(corpus, BenchSplit.HELDOUT.facts(corpus), 1, 5, 3);
        assertEquals(few, CounterFactBench.cases(corpus, BenchSplit.HELDOUT.facts(corpus), 1, 5, 3, true),
                "one edit spares only its own subject, never a neighbour: the same draw");
    }
}
