package dev.amend.demo.tokenizer;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A byte-level BPE vocabulary learned GPT-2 style, with an encoder that reproduces the ids Hugging Face's
 * {@code ByteLevel} pre-tokenizer and {@code BPE} model give for the {@code tokenizer.json} that
 * {@link TokenizerJson} writes.
 *
 * <p>Ids are laid out as: the special tokens first (in the order given), then the 256 byte symbols in
 * GPT-2's alphabet order, then one id per learned merge in the order learned. Any text encodes (every byte
 * has a symbol) and well-formed text decodes back exactly.
 *
 * <p>Training: text is split around special tokens (which are never learned from), pre-tokenised with
 * GPT-2's regex, mapped to GPT-2's printable byte alphabet and counted; then the most frequent adjacent
 * pair is merged repeatedly until the vocabulary reaches the requested size. Ties go to the pair whose
 * left symbol, then right symbol, is the smallest string. Pair counts are kept incrementally with an
 * index from each pair to the words that hold it, so a merge costs time in proportion to the words it
 * touches, not to the corpus.
 *
 * <p>Two rare cases, both handled the way Hugging Face's own trainer and loader handle them: training
 * stops early, with fewer tokens than asked, when no adjacent pair is left (a corpus of single-byte
 * words, or one whose words are all already single tokens); and a merge whose result is a string already
 * in the vocabulary (reachable from two different splits) is recorded as a merge but reuses that
 * string's id, so the vocabulary does not grow and {@code merges().size()} can exceed
 * {@code vocab().size() - 256 - specialTokens().size()}.
 *
 * <p>Pre-tokenisation uses {@link java.util.regex} with {@link Pattern#UNICODE_CHARACTER_CLASS}, so
 * {@code \s} is Unicode {@code White_Space} as in Oniguruma, which Hugging Face's tokenizer uses. Checked
 * code point by code point against DJL 0.32.0 (tokenizers 0.21.0), the two split identically except on
 * the 525 letters and digits that Unicode 14 added: Java 17 knows Unicode 13 and treats them as
 * unassigned punctuation-like symbols. Text with those splits differently here; ids from the native
 * tokenizer stay valid and still decode exactly.
 */
public final class ByteLevelBpe {

    /** One learned merge: two adjacent symbols, as byte-level strings, that become one token. */
    public record Merge(String left, String right) {

        /** Checks that both sides are non-empty. */
        public Merge {
            if (left == null || left.isEmpty() || right == null || right.isEmpty()) {
                throw new IllegalArgumentException("a merge needs two non-empty symbols: " + left + " " + right);
            }
        }

        /** Returns the token this merge produces: the two symbols concatenated. */
        public String merged() {
            return left + right;
        }
    }

    /** GPT-2's pre-tokenisation regex, with Unicode whitespace as Oniguruma defines {@code \s}. */
    static final Pattern PRE_TOKEN = Pattern.compile(
            "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+",
            Pattern.UNICODE_CHARACTER_CLASS);

    /** The number of byte symbols every vocabulary holds. */
    static final int BYTE_SYMBOL_COUNT = 256;

    private static final char[] BYTE_TO_SYMBOL = new char[BYTE_SYMBOL_COUNT];
    private static final int[] SYMBOL_TO_BYTE;
    /** For each byte, the position of its symbol in GPT-2's alphabet order (symbols by code point). */
    private static final int[] BYTE_TO_ALPHABET_INDEX = new int[BYTE_SYMBOL_COUNT];
    private static final String[] ALPHABET = new String[BYTE_SYMBOL_COUNT];

    static {
        int nextUnprintable = 0x100;
        for (int b = 0; b < BYTE_SYMBOL_COUNT; b++) {
            boolean printable = (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            BYTE_TO_SYMBOL[b] = printable ? (char) b : (char) nextUnprintable++;
        }
        SYMBOL_TO_BYTE = new int[nextUnprintable];
        Arrays.fill(SYMBOL_TO_BYTE, -1);
        for (int b = 0; b < BYTE_SYMBOL_COUNT; b++) {
            SYMBOL_TO_BYTE[BYTE_TO_SYMBOL[b]] = b;
        }
        int index = 0;
        for (int symbol = 0; symbol < SYMBOL_TO_BYTE.length; symbol++) {
            int b = SYMBOL_TO_BYTE[symbol];
            if (b >= 0) {
                BYTE_TO_ALPHABET_INDEX[b] = index;
                ALPHABET[index] = String.valueOf((char) symbol);
                index++;
            }
        }
    }

    private final List<String> specialTokens;
    private final List<String> tokensById;
    private final Map<String, Integer> idsByToken;
    private final List<Merge> merges;
    private final Map<Long, Integer> rankByPair;
    private final int[] mergedIdByRank;

    private ByteLevelBpe(List<String> specialTokens, List<String> tokensById, List<Merge> merges) {
        this.specialTokens = List.copyOf(specialTokens);
        this.tokensById = List.copyOf(tokensById);
        this.merges = List.copyOf(merges);
        Map<String, Integer> ids = new LinkedHashMap<>();
        for (int id = 0; id < tokensById.size(); id++) {
            if (ids.putIfAbsent(tokensById.get(id), id) != null) {
                throw new IllegalStateException("token appears twice in the vocabulary: " + tokensById.get(id));
            }
        }
        this.idsByToken = Collections.unmodifiableMap(ids);
        this.rankByPair = new HashMap<>();
        this.mergedIdByRank = new int[merges.size()];
        for (int rank = 0; rank < merges.size(); rank++) {
            Merge merge = merges.get(rank);
            Integer merged = ids.get(merge.merged());
            if (merged == null || !ids.containsKey(merge.left()) || !ids.containsKey(merge.right())) {
                throw new IllegalStateException("merge refers to a token outside the vocabulary: " + merge);
            }
            // A later duplicate of the same pair wins, as in Hugging Face's loader.
            rankByPair.put(pairKey(ids.get(merge.left()), ids.get(merge.right())), rank);
            mergedIdByRank[rank] = merged;
        }
    }

    /**
     * Learns a vocabulary of {@code vocabSize} tokens (special tokens, the 256 byte symbols and merges) from
     * {@code texts}; stops with fewer when no adjacent pair is left to merge.
     *
     * @throws IllegalArgumentException when {@code vocabSize} is smaller than the special tokens plus the
     *     byte symbols, or a special token is empty, repeated, or equal to a byte symbol
     */
    public static ByteLevelBpe train(List<String> texts, int vocabSize, List<String> specialTokens) {
        Objects.requireNonNull(texts, "texts");
        List<String> specials = List.copyOf(specialTokens);
        validateSpecialTokens(specials);
        int baseSize = specials.size() + BYTE_SYMBOL_COUNT;
        if (vocabSize < baseSize) {
            throw new IllegalArgumentException("vocabSize " + vocabSize + " is below the " + baseSize
                    + " tokens every vocabulary holds (special tokens plus 256 byte symbols)");
        }
        return new Trainer(specials, vocabSize).train(texts);
    }

    /** Returns the ids of {@code text}: special tokens matched first, then GPT-2 pre-tokens merged by rank. */
    public int[] encode(String text) {
        IntList out = new IntList(Math.max(16, text.length() / 2));
        for (Segment segment : splitAroundSpecialTokens(text, specialTokens)) {
            if (segment.special()) {
                out.add(idsByToken.get(segment.text()));
            } else {
                for (String piece : preTokenize(segment.text())) {
                    encodePreToken(piece, out);
                }
            }
        }
        return out.toArray();
    }

    /**
     * Returns the text of {@code ids}, special tokens included, as Hugging Face's {@code ByteLevel} decoder
     * gives it (byte sequences that are not valid UTF-8 become U+FFFD).
     */
    public String decode(int[] ids) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        for (int id : ids) {
            if (id < 0 || id >= tokensById.size()) {
                throw new IllegalArgumentException("id " + id + " is outside the vocabulary of " + tokensById.size());
            }
            String token = tokensById.get(id);
            byte[] mapped = symbolsToBytes(token);
            bytes.writeBytes(mapped != null ? mapped : token.getBytes(StandardCharsets.UTF_8));
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }

    /** Returns the vocabulary, token to id, in id order. */
    public Map<String, Integer> vocab() {
        return idsByToken;
    }

    /** Returns the merges in the order learned (a merge's index is its rank). */
    public List<Merge> merges() {
        return merges;
    }

    /** Returns the special tokens, which hold ids 0 to {@code size() - 1}. */
    public List<String> specialTokens() {
        return specialTokens;
    }

    /** Returns the token of {@code id} as a byte-level string (a special token as written). */
    public String token(int id) {
        return tokensById.get(id);
    }

    /** Splits {@code text} into GPT-2 pre-tokens, covering it entirely, in order. */
    static List<String> preTokenize(String text) {
        List<String> pieces = new ArrayList<>();
        Matcher matcher = PRE_TOKEN.matcher(text);
        int covered = 0;
        while (matcher.find()) {
            if (matcher.start() > covered) {
                pieces.add(text.substring(covered, matcher.start()));
            }
            pieces.add(matcher.group());
            covered = matcher.end();
        }
        if (covered < text.length()) {
            pieces.add(text.substring(covered));
        }
        return pieces;
    }

    /** Returns {@code text}'s UTF-8 bytes as GPT-2 byte symbols, one char per byte. */
    static String toByteSymbols(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        char[] symbols = new char[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            symbols[i] = BYTE_TO_SYMBOL[bytes[i] & 0xFF];
        }
        return new String(symbols);
    }

    /** Returns the bytes a string of byte symbols stands for, or null when a char is not a byte symbol. */
    private static byte[] symbolsToBytes(String symbols) {
        byte[] bytes = new byte[symbols.length()];
        for (int i = 0; i < symbols.length(); i++) {
            char c = symbols.charAt(i);
            if (c >= SYMBOL_TO_BYTE.length || SYMBOL_TO_BYTE[c] < 0) {
                return null;
            }
            bytes[i] = (byte) SYMBOL_TO_BYTE[c];
        }
        return bytes;
    }

    /**
     * Applies the merges to one pre-token as Hugging Face's BPE model does: always the lowest-ranked pair
     * present, the leftmost among equals, one occurrence at a time.
     */
    private void encodePreToken(String piece, IntList out) {
        byte[] bytes = piece.getBytes(StandardCharsets.UTF_8);
        int n = bytes.length;
        int[] symbol = new int[n];
        int[] next = new int[n];
        int[] prev = new int[n];
        boolean[] absorbed = new boolean[n];
        int firstByteId = specialTokens.size();
        for (int i = 0; i < n; i++) {
            symbol[i] = firstByteId + BYTE_TO_ALPHABET_INDEX[bytes[i] & 0xFF];
            next[i] = i + 1 < n ? i + 1 : -1;
            prev[i] = i - 1;
        }
        PriorityQueue<Long> candidates = new PriorityQueue<>();
        for (int i = 0; i + 1 < n; i++) {
            offerCandidate(candidates, symbol[i], symbol[i + 1], i);
        }
        while (!candidates.isEmpty()) {
            long top = candidates.poll();
            int rank = (int) (top >>> 32);
            int pos = (int) top;
            if (absorbed[pos] || next[pos] < 0) {
                continue;
            }
            int right = next[pos];
            Integer currentRank = rankByPair.get(pairKey(symbol[pos], symbol[right]));
            if (currentRank == null || currentRank != rank) {
                continue;
            }
            symbol[pos] = mergedIdByRank[rank];
            absorbed[right] = true;
            int afterRight = next[right];
            next[pos] = afterRight;
            if (afterRight >= 0) {
                prev[afterRight] = pos;
                offerCandidate(candidates, symbol[pos], symbol[afterRight], pos);
            }
            if (prev[pos] >= 0) {
                offerCandidate(candidates, symbol[prev[pos]], symbol[pos], prev[pos]);
            }
        }
        for (int i = n > 0 ? 0 : -1; i >= 0; i = next[i]) {
            out.add(symbol[i]);
        }
    }

    private void offerCandidate(PriorityQueue<Long> candidates, int left, int right, int pos) {
        Integer rank = rankByPair.get(pairKey(left, right));
        if (rank != null) {
            candidates.add(((long) rank << 32) | pos);
        }
    }

    private static long pairKey(int left, int right) {
        return ((long) left << 32) | (right & 0xFFFFFFFFL);
    }

    private static void validateSpecialTokens(List<String> specials) {
        Set<String> seen = new HashSet<>();
        Set<String> alphabet = Set.of(ALPHABET);
        for (String special : specials) {
            if (special.isEmpty()) {
                throw new IllegalArgumentException("a special token must not be empty");
            }
            if (!seen.add(special)) {
                throw new IllegalArgumentException("special token given twice: " + special);
            }
            if (alphabet.contains(special)) {
                throw new IllegalArgumentException("special token equals a byte symbol: " + special);
            }
        }
    }

    /** A run of text that is either exactly one special token or free of them. */
    private record Segment(String text, boolean special) {}

    /**
     * Splits {@code text} around special tokens, leftmost match first and the longest token at a position,
     * as Hugging Face's added-vocabulary matcher does.
     */
    private static List<Segment> splitAroundSpecialTokens(String text, List<String> specials) {
        if (specials.isEmpty()) {
            return List.of(new Segment(text, false));
        }
        List<Segment> segments = new ArrayList<>();
        int plainStart = 0;
        int i = 0;
        while (i < text.length()) {
            String match = null;
            for (String special : specials) {
                if (text.startsWith(special, i) && (match == null || special.length() > match.length())) {
                    match = special;
                }
            }
            if (match == null) {
                i++;
                continue;
            }
            if (i > plainStart) {
                segments.add(new Segment(text.substring(plainStart, i), false));
            }
            segments.add(new Segment(match, true));
            i += match.length();
            plainStart = i;
        }
        if (plainStart < text.length()) {
            segments.add(new Segment(text.substring(plainStart), false));
        }
        return segments;
    }

    /** The merge loop: word counts, pair counts, the pair-to-words index and the ordered pair queue. */
    private static final class Trainer {

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

        Trainer(List<String> specials, int vocabSize) {
            this.specials = specials;
            this.vocabSize = vocabSize;
            specials.forEach(this::addToken);
            for (String symbol : ALPHABET) {
                addToken(symbol);
            }
        }

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
                for (Segment segment : splitAroundSpecialTokens(text, specials)) {
                    if (segment.special()) {
                        continue;
                    }
                    for (String piece : preTokenize(segment.text())) {
                        counts.computeIfAbsent(toByteSymbols(piece), k -> new long[1])[0]++;
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
            return pairs.computeIfAbsent(pairKey(left, right),
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
                    pairs.remove(pairKey(pair.left, pair.right));
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

    /** A growable array of ints. */
    private static final class IntList {
        private int[] values;
        private int size;

        IntList(int capacity) {
            values = new int[Math.max(1, capacity)];
        }

        void add(int value) {
            if (size == values.length) {
                values = Arrays.copyOf(values, size * 2);
            }
            values[size++] = value;
        }

        int[] toArray() {
            return Arrays.copyOf(values, size);
        }
    }
}
