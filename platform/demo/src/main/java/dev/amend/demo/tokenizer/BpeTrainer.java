package dev.amend.demo.tokenizer;

import dev.amend.demo.tokenizer.ByteLevelBpe.Merge;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Learns byte-level BPE merges: counts the corpus's distinct words, then merges the most frequent adjacent pair
 * until the vocabulary is full. Keeps word counts, pair counts, an index from each pair to the words that hold
 * it and the pairs ordered best first, so a merge costs time in proportion to the words it touches.
 */
final class BpeTrainer {

    /** Counts and index of one adjacent pair of symbol ids. */
    private static final class PairStats {
        final int left;
        final int right;
        final String leftText;
        final String rightText;
        long count;
        /** Words that have held this pair; may repeat words or name words that no longer hold it. */
        final IntList words = new IntList(4);
        boolean touched;

        PairStats(int left, int right, String leftText, String rightText) {
            this.left = left;
            this.right = right;
            this.leftText = leftText;
            this.rightText = rightText;
        }
    }

    /** Most frequent first; ties to the smallest left symbol, then the smallest right symbol. */
    private static final Comparator<PairStats> BEST_FIRST = (a, b) -> {
        if (a.count != b.count) {
            return a.count > b.count ? -1 : 1;
        }
        int byLeft = a.leftText.compareTo(b.leftText);
        return byLeft != 0 ? byLeft : a.rightText.compareTo(b.rightText);
    };

    private final List<String> specials;
    private final int vocabSize;
    private final List<String> tokensById = new ArrayList<>();
    private final Map<String, Integer> idsByToken = new HashMap<>();
    private final List<Merge> merges = new ArrayList<>();
    private final Map<Long, PairStats> pairs = new HashMap<>();
    private final TreeSet<PairStats> queue = new TreeSet<>(BEST_FIRST);
    private final List<PairStats> touchedThisMerge = new ArrayList<>();
    private int[][] words;
    private long[] wordCounts;

    BpeTrainer(List<String> specials, int vocabSize) {
        this.specials = specials;
        this.vocabSize = vocabSize;
        specials.forEach(this::addToken);
        ByteSymbols.alphabet().forEach(this::addToken);
    }

    /** Returns the vocabulary learned from {@code texts}: specials, byte symbols, then merges in order. */
    ByteLevelBpe train(List<String> texts) {
        countWords(texts);
        countPairs();
        while (tokensById.size() < vocabSize && !queue.isEmpty()) {
            mergeBest();
        }
        return new ByteLevelBpe(specials, tokensById, merges);
    }

    private int addToken(String token) {
        int id = tokensById.size();
        tokensById.add(token);
        idsByToken.put(token, id);
        return id;
    }

    private void countWords(List<String> texts) {
        Map<String, long[]> counts = new HashMap<>();
        for (String text : texts) {
            for (PreTokenizer.Segment segment : PreTokenizer.splitAroundSpecialTokens(text, specials)) {
                if (segment.special()) {
                    continue;
                }
                for (String piece : PreTokenizer.preTokenize(segment.text())) {
                    counts.computeIfAbsent(ByteSymbols.of(piece), k -> new long[1])[0]++;
                }
            }
        }
        List<String> distinct = new ArrayList<>(counts.keySet());
        Collections.sort(distinct);
        words = new int[distinct.size()][];
        wordCounts = new long[distinct.size()];
        for (int w = 0; w < distinct.size(); w++) {
            String word = distinct.get(w);
            int[] symbols = new int[word.length()];
            for (int i = 0; i < symbols.length; i++) {
                symbols[i] = idsByToken.get(String.valueOf(word.charAt(i)));
            }
            words[w] = symbols;
            wordCounts[w] = counts.get(word)[0];
        }
    }

    private void countPairs() {
        for (int w = 0; w < words.length; w++) {
            int[] symbols = words[w];
            for (int i = 0; i + 1 < symbols.length; i++) {
                PairStats pair = pairStats(symbols[i], symbols[i + 1]);
                pair.count += wordCounts[w];
                pair.words.add(w);
            }
        }
        queue.addAll(pairs.values());
    }

    private PairStats pairStats(int left, int right) {
        return pairs.computeIfAbsent(ByteLevelBpe.pairKey(left, right),
                k -> new PairStats(left, right, tokensById.get(left), tokensById.get(right)));
    }

    /** Merges the best pair in every word that holds it and updates the counts of the pairs around it. */
    private void mergeBest() {
        PairStats best = queue.pollFirst();
        String mergedText = best.leftText + best.rightText;
        Integer existing = idsByToken.get(mergedText);
        int merged = existing != null ? existing : addToken(mergedText);
        merges.add(new Merge(best.leftText, best.rightText));

        best.touched = true;
        touchedThisMerge.add(best);
        int[] candidates = best.words.toArray();
        Arrays.sort(candidates);
        int previous = -1;
        for (int w : candidates) {
            if (w != previous) {
                mergeInWord(w, best.left, best.right, merged);
                previous = w;
            }
        }
        if (best.count != 0) {
            throw new IllegalStateException("pair count out of step after merging " + mergedText + ": " + best.count);
        }
        for (PairStats pair : touchedThisMerge) {
            pair.touched = false;
            if (pair.count > 0) {
                queue.add(pair);
            } else {
                pairs.remove(ByteLevelBpe.pairKey(pair.left, pair.right));
            }
        }
        touchedThisMerge.clear();
    }

    private void mergeInWord(int w, int left, int right, int merged) {
        int[] symbols = words[w];
        long count = wordCounts[w];
        int[] out = null;
        int written = 0;
        int i = 0;
        while (i < symbols.length) {
            boolean match = i + 1 < symbols.length && symbols[i] == left && symbols[i + 1] == right;
            if (!match) {
                if (out != null) {
                    out[written] = symbols[i];
                }
                written++;
                i++;
                continue;
            }
            if (out == null) {
                out = Arrays.copyOf(symbols, symbols.length);
            }
            adjust(left, right, -count, w);
            if (written > 0) {
                int before = out[written - 1];
                adjust(before, left, -count, w);
                adjust(before, merged, count, w);
            }
            if (i + 2 < symbols.length) {
                int after = symbols[i + 2];
                adjust(right, after, -count, w);
                adjust(merged, after, count, w);
            }
            out[written++] = merged;
            i += 2;
        }
        if (out != null) {
            words[w] = Arrays.copyOf(out, written);
        }
    }

    private void adjust(int left, int right, long delta, int w) {
        PairStats pair = pairStats(left, right);
        if (!pair.touched) {
            queue.remove(pair);
            pair.touched = true;
            touchedThisMerge.add(pair);
        }
        pair.count += delta;
        if (delta > 0) {
            pair.words.add(w);
        }
    }
}
