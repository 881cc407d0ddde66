package dev.amend.evaluators.longform;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Sentence BLEU-4 (uniform weights, one reference, brevity penalty against the reference length) as
 * NLTK's {@code sentence_bleu} computes it.
 *
 * <ul>
 * <li>{@link #characterLevel}: what the AnyEdit paper reports as "BLEU": its {@code summarize_uns.py}
 * calls {@code sentence_bleu([answer], prediction)} with plain strings, which NLTK reads as sequences of
 * characters (spaces included), without smoothing (NLTK's {@code method0}: an order with no match
 * contributes precision {@code sys.float_info.min}, which makes the score practically 0; no unigram match
 * gives exactly 0).</li>
 * <li>{@link #wordLevel}: BLEU-4 over words (runs of letters/digits, and every other non-space character
 * on its own, case kept) with NLTK's {@code method1} smoothing (an order with no match gets numerator
 * ε = 0.1).</li>
 * </ul>
 */
public final class Bleu {
    private static final Pattern WORD = Pattern.compile("[\\p{L}\\p{N}_]+|[^\\s\\p{L}\\p{N}_]");

    private Bleu() {
    }

    /** Returns character-level BLEU-4 of {@code hypothesis} against {@code reference}, unsmoothed (the paper's BLEU). */
    public static double characterLevel(String hypothesis, String reference) {
        return bleu(chars(hypothesis), chars(reference), false);
    }

    /** Returns word-level BLEU-4 of {@code hypothesis} against {@code reference} with method-1 smoothing (ε = 0.1). */
    public static double wordLevel(String hypothesis, String reference) {
        return bleu(words(hypothesis), words(reference), true);
    }

    /** Returns the word tokens {@link #wordLevel} compares. */
    public static List<String> words(String text) {
        List<String> out = new ArrayList<>();
        Matcher m = WORD.matcher(text);
        while (m.find()) {
            out.add(m.group());
        }
        return out;
    }

    private static List<String> chars(String text) {
        List<String> out = new ArrayList<>();
        text.codePoints().forEach(c -> out.add(new String(Character.toChars(c))));
        return out;
    }

    /** Returns BLEU-4 of token lists as NLTK's sentence_bleu does (method0 or method1 smoothing). */
    static double bleu(List<String> hyp, List<String> ref, boolean smooth) {
        int c = hyp.size();
        int r = ref.size();
        double[] numerators = new double[4];
        double[] denominators = new double[4];
        for (int n = 1; n <= 4; n++) {
            Map<List<String>, Integer> h = counts(hyp, n);
            Map<List<String>, Integer> rc = counts(ref, n);
            int clipped = 0;
            int total = 0;
            for (Map.Entry<List<String>, Integer> e : h.entrySet()) {
                clipped += Math.min(e.getValue(), rc.getOrDefault(e.getKey(), 0));
                total += e.getValue();
            }
            numerators[n - 1] = clipped;
            denominators[n - 1] = Math.max(1, total);
        }
        if (numerators[0] == 0) {
            return 0;
        }
        double bp = c > r ? 1 : (c == 0 ? 0 : Math.exp(1 - (double) r / c));
        double s = 0;
        for (int n = 0; n < 4; n++) {
            double p;
            if (numerators[n] == 0) {
                p = smooth ? 0.1 / denominators[n] : Double.MIN_NORMAL;
            } else {
                p = numerators[n] / denominators[n];
            }
            s += 0.25 * Math.log(p);
        }
        return bp * Math.exp(s);
    }

    private static Map<List<String>, Integer> counts(List<String> tokens, int n) {
        Map<List<String>, Integer> m = new HashMap<>();
        for (int i = 0; i + n <= tokens.size(); i++) {
            m.merge(List.copyOf(tokens.subList(i, i + n)), 1, Integer::sum);
        }
        return m;
    }
}
