package dev.amend.evaluators;

import dev.amend.spi.Evaluator;
import dev.amend.spi.edit.EvaluationCase;
import dev.amend.spi.edit.Score;
import dev.amend.spi.model.EditableModel;
import dev.amend.spi.model.GenerationRequest;
import dev.amend.spi.model.GenerationResult;
import dev.amend.spi.model.TextTokenizer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The weighted bigram/trigram entropy of greedy generations, ROME's n-gram entropy on Amend's own protocol:
 * {@value #METRIC} is its mean over greedy continuations of {@link #DEFAULT_MAX_NEW_TOKENS} tokens from each
 * rewrite prompt and paraphrase (prompt included in the text, as ROME and EasyEdit decode it). Low values mean
 * repetitive text.
 *
 * <p>It is not ROME's fluency, which samples (top-k 5) up to 100 tokens from CounterFact's generation prompts;
 * the two are not comparable. The same value is also reported under the older name {@value #LEGACY_METRIC}, so
 * that clients reading that metric keep working.
 */
public final class FluencyEvaluator implements Evaluator {
    /** The protocol tag of every score. */
    public static final String PROTOCOL = "ngram-entropy";
    /** The metric: what it measures. */
    public static final String METRIC = "greedy_ngram_entropy";
    /** The metric's former name, still reported with the same value. */
    public static final String LEGACY_METRIC = "fluency";
    /** New tokens generated per prompt unless the constructor says otherwise. */
    public static final int DEFAULT_MAX_NEW_TOKENS = 64;

    /** n-gram orders and their weights, as ROME's {@code compute_n_gram_entropy}. */
    private static final int[] ORDERS = {2, 3};
    private static final double[] WEIGHTS = {2.0 / 3, 4.0 / 3};
    /** A word: a run of letters and digits, or a single other non-space character (punctuation). */
    private static final Pattern WORD = Pattern.compile("[\\p{L}\\p{N}]+|[^\\p{L}\\p{N}\\s]");

    private final int maxNewTokens;

    /** Creates an evaluator that generates {@value #DEFAULT_MAX_NEW_TOKENS} new tokens per prompt. */
    public FluencyEvaluator() {
        this(DEFAULT_MAX_NEW_TOKENS);
    }

    /** Creates an evaluator that generates up to {@code maxNewTokens} new tokens per prompt. */
    public FluencyEvaluator(int maxNewTokens) {
        if (maxNewTokens <= 0) {
            throw new IllegalArgumentException("maxNewTokens must be positive, got " + maxNewTokens);
        }
        this.maxNewTokens = maxNewTokens;
    }

    /** Returns {@value #PROTOCOL}. */
    @Override
    public String protocol() {
        return PROTOCOL;
    }

    /**
     * Returns {@value #METRIC}, the mean weighted n-gram entropy over all greedy generations, and the same value as
     * {@value #LEGACY_METRIC} (both left out when there are no cases).
     */
    @Override
    public List<Score> evaluate(EditableModel model, List<EvaluationCase> cases) {
        TextTokenizer tok = model.tokenizer();
        RunningMean fluency = new RunningMean();
        for (EvaluationCase c : cases) {
            List<String> prompts = new ArrayList<>();
            prompts.add(c.request().filledPrompt());
            prompts.addAll(CaseTexts.paraphrases(c));
            for (String prompt : prompts) {
                GenerationResult g = model.generate(GenerationRequest.greedy(tok.encode(prompt, true), maxNewTokens));
                fluency.add(weightedNgramEntropy(tok.decode(concat(g.promptIds(), g.generatedIds()))));
            }
        }
        List<Score> scores = new ArrayList<>();
        fluency.reportTo(scores, METRIC, PROTOCOL);
        fluency.reportTo(scores, LEGACY_METRIC, PROTOCOL);
        return scores;
    }

    /**
     * Returns {@code Σ w_n H_n / Σ w_n} over n = 2, 3 with weights 2/3, 4/3, where {@code H_n = -Σ f log2 f}
     * over the relative frequencies f of the text's word n-grams (0 when the text has fewer than n words).
     */
    public static double weightedNgramEntropy(String text) {
        List<String> words = words(text);
        double weighted = 0;
        double weights = 0;
        for (int i = 0; i < ORDERS.length; i++) {
            weighted += WEIGHTS[i] * ngramEntropy(words, ORDERS[i]);
            weights += WEIGHTS[i];
        }
        return weighted / weights;
    }

    /**
     * Returns the words of {@code text}: runs of letters and digits, and each other non-space character on
     * its own. Close to NLTK's {@code word_tokenize} that ROME uses, except that contractions split at the
     * apostrophe ({@code don't} → {@code don ' t}).
     */
    static List<String> words(String text) {
        List<String> words = new ArrayList<>();
        Matcher m = WORD.matcher(text);
        while (m.find()) {
            words.add(m.group());
        }
        return words;
    }

    /** Returns the base-2 entropy of the frequency distribution of the {@code n}-grams of {@code words}. */
    private static double ngramEntropy(List<String> words, int n) {
        Map<List<String>, Integer> counts = new HashMap<>();
        int total = 0;
        for (int i = 0; i + n <= words.size(); i++) {
            counts.merge(words.subList(i, i + n), 1, Integer::sum);
            total++;
        }
        double h = 0;
        for (int count : counts.values()) {
            double f = (double) count / total;
            h -= f * Math.log(f) / Math.log(2);
        }
        return h;
    }

    private static int[] concat(int[] a, int[] b) {
        int[] out = new int[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
