package dev.amend.evaluators.longform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** all-MiniLM-L6-v2 on ONNX Runtime reproduces sentence-transformers' similarities (values from STACK.md). */
class SentenceEmbedderTest {
    @Test
    void cosineSimilaritiesMatchSentenceTransformers() {
        SentenceEmbedder e = SentenceEmbedder.shared();
        float[] v = e.embed("The capital of France is Paris.");
        assertEquals(384, v.length);
        double norm = 0;
        for (float x : v) {
            norm += x * x;
        }
        assertEquals(1, norm, 1e-5);
        assertEquals(0.970, e.similarity("The capital of France is Paris.", "Paris is the capital city of France."),
                0.005);
        double unrelated = e.similarity("The capital of France is Paris.", "I had pancakes with syrup for breakfast.");
        assertTrue(Math.abs(unrelated) < 0.15, "unrelated sentence: " + unrelated);
        assertEquals(1, e.similarity("same text", "same text"), 1e-5);
    }

    @Test
    void longTextsAreTruncatedAt256WordPiecesNot128() {
        SentenceEmbedder e = SentenceEmbedder.shared();
        String head = "word ".repeat(150);
        // differs only after word piece 128: with the tokenizer file's truncation at 128 both would be identical
        double s = e.similarity(head + "the quick brown fox jumps over the lazy dog",
                head + "quantum chromodynamics describes strong interactions");
        assertTrue(s < 0.9999, "tokens after 128 must count: " + s);
        String longer = "word ".repeat(300);
        assertEquals(1, e.similarity(longer + "alpha", longer + "omega"), 1e-6);
    }
}
