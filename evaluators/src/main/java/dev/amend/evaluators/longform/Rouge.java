package dev.amend.evaluators.longform;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * ROUGE-1, ROUGE-2 and ROUGE-L exactly as the Python package {@code rouge} (pltrdy, the one the AnyEdit
 * paper's {@code summarize_uns.py} calls as {@code Rouge().get_scores(prediction, answer)}) computes them
 * with its defaults:
 * <ul>
 * <li>text is cut into "sentences" at every {@code .} (the periods are dropped, empty pieces skipped),
 * whitespace inside a piece is collapsed, words are the pieces split at single spaces, concatenated over
 * the sentences (n-grams run across sentence ends); case and other punctuation are kept as they are;</li>
 * <li>ROUGE-N counts <em>distinct</em> n-grams ({@code exclusive=True}): recall = |H ∩ R| / |R|,
 * precision = |H ∩ R| / |H|;</li>
 * <li>ROUGE-L is summary level: for each reference sentence the union of its longest common subsequences
 * with every hypothesis sentence, as a set of words, accumulated over reference sentences; recall divides
 * by the number of distinct reference words, precision by that of the hypothesis;</li>
 * <li>F = 2PR / (P + R + 1e-8).</li>
 * </ul>
 * An empty hypothesis (the package raises an error) scores 0.
 */
public final class Rouge {

    /**
     * Precision, recall and F of one ROUGE variant.
     *
     * @param precision overlap / hypothesis count
     * @param recall    overlap / reference count (what the AnyEdit paper reports)
     * @param f         2PR / (P + R + 1e-8)
     */
    public record Prf(double precision, double recall, double f) {
        static Prf of(double p, double r) {
            return new Prf(p, r, 2.0 * (p * r / (p + r + 1e-8)));
        }
    }

    /**
     * The three variants.
     *
     * @param rouge1 unigrams
     * @param rouge2 bigrams
     * @param rougeL summary-level longest common subsequence
     */
    public record Scores(Prf rouge1, Prf rouge2, Prf rougeL) {
    }

    private static final Scores ZERO = new Scores(Prf.of(0, 0), Prf.of(0, 0), Prf.of(0, 0));

    private Rouge() {
    }

    /** Returns ROUGE-1/2/L of {@code hypothesis} (the generation) against {@code reference} (the target). */
    public static Scores score(String hypothesis, String reference) {
        List<String> hyp = sentences(hypothesis);
        List<String> ref = sentences(reference);
        if (hyp.isEmpty() || ref.isEmpty()) {
            return ZERO;
        }
        return new Scores(rougeN(hyp, ref, 1), rougeN(hyp, ref, 2), rougeL(hyp, ref));
    }

    /** Returns the package's sentences: pieces between periods with whitespace collapsed, empty pieces dropped. */
    static List<String> sentences(String text) {
        List<String> out = new ArrayList<>();
        // Python's str.split(".") keeps empty pieces; the package drops pieces of length 0 before collapsing
        for (String piece : text.split("\\.", -1)) {
            if (piece.isEmpty()) {
                continue;
            }
            String[] ws = piece.strip().split("\\s+");
            out.add(piece.isBlank() ? "" : String.join(" ", ws));
        }
        return out;
    }

    private static List<String> words(List<String> sentences) {
        List<String> w = new ArrayList<>();
        for (String s : sentences) {
            w.addAll(List.of(s.split(" ", -1)));
        }
        return w;
    }

    private static Set<List<String>> ngrams(List<String> words, int n) {
        Set<List<String>> set = new HashSet<>();
        for (int i = 0; i + n <= words.size(); i++) {
            set.add(List.copyOf(words.subList(i, i + n)));
        }
        return set;
    }

    private static Prf rougeN(List<String> hyp, List<String> ref, int n) {
        Set<List<String>> h = ngrams(words(hyp), n);
        Set<List<String>> r = ngrams(words(ref), n);
        Set<List<String>> overlap = new HashSet<>(h);
        overlap.retainAll(r);
        double p = h.isEmpty() ? 0 : (double) overlap.size() / h.size();
        double rc = r.isEmpty() ? 0 : (double) overlap.size() / r.size();
        return Prf.of(p, rc);
    }

    private static Prf rougeL(List<String> hyp, List<String> ref) {
        int m = new HashSet<>(words(ref)).size();
        int n = new HashSet<>(words(hyp)).size();
        Set<String> union = new HashSet<>();
        int llcs = 0;
        for (String refSentence : ref) {
            List<String> rw = words(List.of(refSentence));
            int before = union.size();
            for (String hypSentence : hyp) {
                union.addAll(lcs(rw, words(List.of(hypSentence))));
            }
            llcs += union.size() - before;
        }
        return Prf.of((double) llcs / n, (double) llcs / m);
    }

    /** Returns one longest common subsequence of x and y, reconstructed as the package does (ties go to y's side). */
    static List<String> lcs(List<String> x, List<String> y) {
        int a = x.size();
        int b = y.size();
        int[][] t = new int[a + 1][b + 1];
        for (int i = 1; i <= a; i++) {
            for (int j = 1; j <= b; j++) {
                t[i][j] = x.get(i - 1).equals(y.get(j - 1)) ? t[i - 1][j - 1] + 1 : Math.max(t[i - 1][j], t[i][j - 1]);
            }
        }
        List<String> out = new ArrayList<>();
        int i = a;
        int j = b;
        while (i > 0 && j > 0) {
            if (x.get(i - 1).equals(y.get(j - 1))) {
                out.add(0, x.get(i - 1));
                i--;
                j--;
            } else if (t[i - 1][j] > t[i][j - 1]) {
                i--;
            } else {
                j--;
            }
        }
        return out;
    }
}
