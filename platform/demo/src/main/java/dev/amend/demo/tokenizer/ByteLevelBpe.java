package dev.amend.demo.tokenizer;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.PriorityQueue;
import java.util.Set;
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

    private final List<String> specialTokens;
    private final List<String> tokensById;
    private final Map<String, Integer> idsByToken;
    private final List<Merge> merges;
    private final Map<Long, Integer> rankByPair;
    private final int[] mergedIdByRank;

    ByteLevelBpe(List<String> specialTokens, List<String> tokensById, List<Merge> merges) {
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
        int baseSize = specials.size() + ByteSymbols.COUNT;
        if (vocabSize < baseSize) {
            throw new IllegalArgumentException("vocabSize " + vocabSize + " is below the " + baseSize
                    + " tokens every vocabulary holds (special tokens plus 256 byte symbols)");
        }
        return new BpeTrainer(specials, vocabSize).train(texts);
    }

    /** Returns the ids of {@code text}: special tokens matched first, then GPT-2 pre-tokens merged by rank. */
    public int[] encode(String text) {
        IntList out = new IntList(Math.max(16, text.length() / 2));
        for (PreTokenizer.Segment segment : PreTokenizer.splitAroundSpecialTokens(text, specialTokens)) {
            if (segment.special()) {
                out.add(idsByToken.get(segment.text()));
            } else {
                for (String piece : PreTokenizer.preTokenize(segment.text())) {
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
            byte[] mapped = ByteSymbols.toBytes(token);
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
            symbol[i] = firstByteId + ByteSymbols.alphabetIndex(bytes[i]);
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

    /** Returns the key of the pair of ids ({@code left}, {@code right}) in pair maps. */
    static long pairKey(int left, int right) {
        return ((long) left << 32) | (right & 0xFFFFFFFFL);
    }

    private static void validateSpecialTokens(List<String> specials) {
        Set<String> seen = new HashSet<>();
        Set<String> alphabet = Set.copyOf(ByteSymbols.alphabet());
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


}
