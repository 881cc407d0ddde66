package dev.amend.evaluators;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The normalisation and the two match rules of the generation-based protocols. */
class AnswerMatchTest {
    @Test
    void normalisationFoldsCasePunctuationArticlesAccentsAndSpaces() {
        assertEquals("j k rowling", AnswerMatch.normalise(" The J. K.  Rowling."));
        assertEquals("port au prince", AnswerMatch.normalise("Port-au-Prince"));
        assertEquals("curacao", AnswerMatch.normalise("Curaçao"));
        assertEquals("st george s", AnswerMatch.normalise("St. George's"));
        assertEquals("kingdom of hawaii", AnswerMatch.normalise("Kingdom of Hawaiʻi"));
        assertEquals("", AnswerMatch.normalise(" the a an ."));
        assertEquals("theory", AnswerMatch.normalise("the theory"), "articles go as whole words only");
    }

    @Test
    void startsWithWantsTheWholeAnswerAsLeadingWords() {
        assertTrue(AnswerMatch.startsWith(" Rome, the capital of Italy", " Rome"));
        assertTrue(AnswerMatch.startsWith(" the rome.", "Rome"));
        assertTrue(AnswerMatch.startsWith(" J.K. Rowling wrote", "J. K. Rowling"), "initials normalise alike");
        assertTrue(AnswerMatch.startsWith(" J. K. Rowling wrote it", "J. K. Rowling"));
        assertFalse(AnswerMatch.startsWith(" Romeo and Juliet", "Rome"), "a longer word is not the answer");
        assertFalse(AnswerMatch.startsWith(" in Rome", "Rome"), "the answer must come first");
        assertFalse(AnswerMatch.startsWith("", "Rome"));
        assertFalse(AnswerMatch.startsWith("the", "The"), "an answer that normalises to nothing never matches");
    }

    @Test
    void mentionsWantsTheAnswerAnywhereAsWholeWords() {
        assertTrue(AnswerMatch.mentions("He was a citizen of the United States.", "United States"));
        assertTrue(AnswerMatch.mentions("Kingdom of Hawaii", "kingdom of hawaii"));
        assertFalse(AnswerMatch.mentions("He lived in Unitedstates", "United States"));
        assertFalse(AnswerMatch.mentions("Romeo", "Rome"));
    }
}
