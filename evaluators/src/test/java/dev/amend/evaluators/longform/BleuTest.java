package dev.amend.evaluators.longform;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/** BLEU against closed-form cases and NLTK 3.10's sentence_bleu run on the same inputs. */
class BleuTest {
    static final double EPS = 1e-12;

    @Test
    void closedForms() {
        assertEquals(1, Bleu.characterLevel("hello world", "hello world"), EPS);
        assertEquals(0, Bleu.characterLevel("xyz", "abc"), EPS);
        // hypothesis "abcd" against "abcdabcd": all n-gram precisions are 1, brevity penalty exp(1 − 8/4)
        assertEquals(Math.exp(-1), Bleu.characterLevel("abcd", "abcdabcd"), EPS);
        // no 4-gram match without smoothing: NLTK's method0 uses sys.float_info.min for that order
        double p = Math.pow(3.0 / 4 * 2.0 / 3 * 1.0 / 2 * Double.MIN_NORMAL, 0.25);
        assertEquals(p, Bleu.characterLevel("abce", "abcf"), 1e-90);
        // method-1 smoothing: "a b c e" vs "a b c f" → p1 3/4, p2 2/3, p3 1/2, p4 0.1/1
        assertEquals(Math.pow(0.75 * 2.0 / 3 * 0.5 * 0.1, 0.25), Bleu.wordLevel("a b c e", "a b c f"), EPS);
        assertEquals(List.of("day", "'", "s", "3", ".", "5"), Bleu.words("day's 3.5"));
    }

    @Test
    void matchesNltk() {
        String a = "Lillian Lawrence has been working as a sailor. She sailed across the Atlantic. She has a degree.";
        String g = "Lillian Lawrence is a sailor. She sailed the Atlantic and the Pacific.";
        // sentence_bleu([a], g): strings, so characters (the AnyEdit paper's call)
        assertEquals(0.5285739606082178, Bleu.characterLevel(g, a), EPS);
        assertEquals(0.6836858580099509, Bleu.characterLevel("Paris is the capital city of France.",
                "The capital of France is Paris."), EPS);
        // word tokens, SmoothingFunction().method1
        assertEquals(0.2279229665503114, Bleu.wordLevel(g, a), EPS);
        assertEquals(0.20556680845025987, Bleu.wordLevel("the cat the cat on the mat", "the cat sat on the mat"), EPS);
    }
}
