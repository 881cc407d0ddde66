package dev.amend.runtime.llama2c;

import dev.amend.runtime.MalformedCheckpointException;
import dev.amend.spi.InvalidRequestException;
import dev.amend.spi.model.TextTokenizer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.PriorityQueue;

/**
 * A llama2.c tokenizer ({@code tokenizer.bin}, {@code tok512.bin}): byte-level BPE driven by piece
 * scores, encoding and decoding exactly as llama2.c's {@code run.c} does.
 *
 * <p>File layout (little-endian): {@code int32 max_token_length}, then per token id in order
 * {@code float32 score}, {@code int32 length} and {@code length} raw bytes of the piece. The number
 * of tokens is whatever the file holds. Ids 0, 1 and 2 are {@code <unk>}, BOS and EOS.
 *
 * <p>Encoding: BOS first when asked; a single-space "dummy prefix" when the text is not empty; one
 * token per UTF-8 code point if the code point is a piece, otherwise one byte-fallback token
 * ({@code <0xNN>}) per byte; then repeatedly merge the adjacent pair whose concatenation is the
 * highest-scoring piece (the leftmost pair on equal scores) until no pair forms a piece.
 *
 * <p>Decoding: ids 0, 1 and 2 are skipped; a piece right after BOS loses one leading space (the
 * dummy prefix); {@code <0xNN>} pieces become that byte; the bytes are read as UTF-8. So
 * {@code decode(encode(text, true))} is {@code text}, and decoding the ids generated after a prompt
 * gives the text that follows the prompt, leading space included.
 *
 * <p>Instances are immutable and thread-safe.
 */
public final class Llama2cTokenizer implements TextTokenizer {

    /** Id of {@code <unk>}, also used for a byte the vocabulary has no fallback token for. */
    public static final int UNK_ID = 0;
    /** Id of the beginning-of-sequence token. */
    public static final int BOS_ID = 1;
    /** Id of the end-of-text token. */
    public static final int EOS_ID = 2;

    private static final int SPECIAL_TOKENS = 3;

    private final int maxTokenLength;
    private final float[] scores;
    /** Piece bytes as ISO-8859-1 strings: one char per byte, so concatenation and lookup are byte-exact. */
    private final String[] pieceKeys;
    /** What each id contributes to decoded output: the piece bytes, or the single byte of a {@code <0xNN>} piece. */
    private final byte[][] decodedBytes;
    private final Map<String, Integer> idsByPiece;
    private final int[] byteFallbackIds;
    private final int dummyPrefixId;

    private Llama2cTokenizer(int maxTokenLength, float[] scores, String[] pieceKeys) {
        this.maxTokenLength = maxTokenLength;
        this.scores = scores;
        this.pieceKeys = pieceKeys;
        this.idsByPiece = new HashMap<>(pieceKeys.length * 2);
        this.decodedBytes = new byte[pieceKeys.length][];
        for (int id = 0; id < pieceKeys.length; id++) {
            idsByPiece.putIfAbsent(pieceKeys[id], id);
            int fallbackByte = byteOfFallbackPiece(pieceKeys[id]);
            decodedBytes[id] = fallbackByte >= 0
                    ? new byte[] {(byte) fallbackByte}
                    : pieceKeys[id].getBytes(StandardCharsets.ISO_8859_1);
        }
        this.byteFallbackIds = new int[256];
        for (int b = 0; b < 256; b++) {
            byteFallbackIds[b] = idsByPiece.getOrDefault(String.format(Locale.ROOT, "<0x%02X>", b), UNK_ID);
        }
        this.dummyPrefixId = idsByPiece.getOrDefault(" ", byteFallbackIds[' ']);
    }

    /** Reads a llama2.c tokenizer file; throws {@link MalformedCheckpointException} naming the file if it is malformed. */
    public static Llama2cTokenizer read(Path file) {
        byte[] content;
        try {
            content = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the llama2.c tokenizer " + file, e);
        }
        ByteBuffer in = ByteBuffer.wrap(content).order(ByteOrder.LITTLE_ENDIAN);
        if (in.remaining() < Integer.BYTES) {
            throw new MalformedCheckpointException(file, "is " + content.length
                    + " bytes long, too short for a llama2.c tokenizer (it starts with a 4-byte max_token_length)");
        }
        int maxTokenLength = in.getInt();
        if (maxTokenLength <= 0) {
            throw new MalformedCheckpointException(file, "max_token_length in the header is " + maxTokenLength
                    + "; it must be positive (is this a llama2.c tokenizer?)");
        }
        float[] scores = new float[Math.max(16, content.length / 10)];
        String[] pieces = new String[scores.length];
        int count = 0;
        while (in.hasRemaining()) {
            int id = count;
            int offset = in.position();
            if (in.remaining() < Float.BYTES + Integer.BYTES) {
                throw new MalformedCheckpointException(file, "entry of token " + id + " at byte " + offset
                        + " is cut off: " + in.remaining() + " bytes left, but a score and a length need 8 (truncated file?)");
            }
            float score = in.getFloat();
            int length = in.getInt();
            if (!Float.isFinite(score)) {
                throw new MalformedCheckpointException(file, "score of token " + id + " at byte " + offset
                        + " is " + score + "; scores must be finite");
            }
            if (length < 0 || length > maxTokenLength) {
                throw new MalformedCheckpointException(file, "piece of token " + id + " at byte " + offset
                        + " has length " + length + ", outside 0.." + maxTokenLength + " (max_token_length)");
            }
            if (in.remaining() < length) {
                throw new MalformedCheckpointException(file, "piece of token " + id + " needs " + length
                        + " bytes but only " + in.remaining() + " are left (truncated file?)");
            }
            byte[] piece = new byte[length];
            in.get(piece);
            if (count == scores.length) {
                scores = Arrays.copyOf(scores, count * 2);
                pieces = Arrays.copyOf(pieces, count * 2);
            }
            scores[count] = score;
            pieces[count] = new String(piece, StandardCharsets.ISO_8859_1);
            count++;
        }
        if (count < SPECIAL_TOKENS) {
            throw new MalformedCheckpointException(file, "holds " + count
                    + " tokens; a llama2.c tokenizer has at least <unk>, BOS and EOS");
        }
        return new Llama2cTokenizer(maxTokenLength, Arrays.copyOf(scores, count), Arrays.copyOf(pieces, count));
    }

    /** Returns run.c's encoding of {@code text}: BOS when {@code addBos}, dummy-prefix space, code points, score-greedy merges. */
    @Override
    public int[] encode(String text, boolean addBos) {
        Objects.requireNonNull(text, "text");
        byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
        int[] tokens = new int[utf8.length + 2];
        int count = 0;
        if (addBos) {
            tokens[count++] = BOS_ID;
        }
        if (utf8.length > 0) {
            tokens[count++] = dummyPrefixId;
        }
        int start = 0;
        while (start < utf8.length) {
            int end = start + 1;
            while (end < utf8.length && (utf8[end] & 0xC0) == 0x80 && end - start < 4) {
                end++;
            }
            Integer id = idsByPiece.get(new String(utf8, start, end - start, StandardCharsets.ISO_8859_1));
            if (id != null) {
                tokens[count++] = id;
            } else {
                for (int i = start; i < end; i++) {
                    tokens[count++] = byteFallbackIds[utf8[i] & 0xFF];
                }
            }
            start = end;
        }
        return mergePairs(tokens, count);
    }

    /** A pair of adjacent tokens whose concatenation is a piece; stale once either side has changed. */
    private record MergeCandidate(float score, int left, int right, int leftId, int rightId, int mergedId) {
    }

    /**
     * Applies run.c's merge loop (best score first, leftmost on equal scores) with a priority queue
     * over a linked list, so that long texts take O(n log n) rather than O(n^2) lookups.
     */
    private int[] mergePairs(int[] tokens, int count) {
        int[] ids = Arrays.copyOf(tokens, count);
        int[] next = new int[count];
        int[] previous = new int[count];
        boolean[] removed = new boolean[count];
        for (int i = 0; i < count; i++) {
            next[i] = i + 1 < count ? i + 1 : -1;
            previous[i] = i - 1;
        }
        PriorityQueue<MergeCandidate> queue = new PriorityQueue<>((a, b) -> {
            int byScore = Float.compare(b.score(), a.score());
            return byScore != 0 ? byScore : Integer.compare(a.left(), b.left());
        });
        for (int i = 0; i + 1 < count; i++) {
            offerPair(queue, ids, i, i + 1);
        }
        int remaining = count;
        while (!queue.isEmpty()) {
            MergeCandidate c = queue.poll();
            if (removed[c.left()] || removed[c.right()] || next[c.left()] != c.right()
                    || ids[c.left()] != c.leftId() || ids[c.right()] != c.rightId()) {
                continue;
            }
            ids[c.left()] = c.mergedId();
            removed[c.right()] = true;
            remaining--;
            int after = next[c.right()];
            next[c.left()] = after;
            if (after >= 0) {
                previous[after] = c.left();
                offerPair(queue, ids, c.left(), after);
            }
            if (previous[c.left()] >= 0) {
                offerPair(queue, ids, previous[c.left()], c.left());
            }
        }
        int[] result = new int[remaining];
        int n = 0;
        for (int i = count > 0 ? 0 : -1; i >= 0; i = next[i]) {
            result[n++] = ids[i];
        }
        return result;
    }

    private void offerPair(PriorityQueue<MergeCandidate> queue, int[] ids, int left, int right) {
        Integer merged = idsByPiece.get(pieceKeys[ids[left]].concat(pieceKeys[ids[right]]));
        if (merged != null) {
            queue.add(new MergeCandidate(scores[merged], left, right, ids[left], ids[right], merged));
        }
    }

    /** Returns the UTF-8 text of {@code ids}: specials skipped, the space after BOS dropped, byte pieces as bytes. */
    @Override
    public String decode(int[] ids) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(ids.length * 4);
        int previous = -1;
        for (int id : ids) {
            if (id < 0 || id >= pieceKeys.length) {
                throw new InvalidRequestException("token id " + id + " is outside the vocabulary 0.." + (pieceKeys.length - 1));
            }
            if (id >= SPECIAL_TOKENS) {
                byte[] bytes = decodedBytes[id];
                int skip = previous == BOS_ID && bytes.length > 0 && bytes[0] == ' ' ? 1 : 0;
                out.write(bytes, skip, bytes.length - skip);
            }
            previous = id;
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    /** Returns the beginning-of-sequence id, 1. */
    @Override
    public OptionalInt bos() {
        return OptionalInt.of(BOS_ID);
    }

    /** Returns the end-of-text id, 2. */
    @Override
    public OptionalInt eos() {
        return OptionalInt.of(EOS_ID);
    }

    /** Returns the number of tokens in the file. */
    @Override
    public int vocabSize() {
        return pieceKeys.length;
    }

    /** Returns the stored piece of {@code id} read as UTF-8 (byte-fallback pieces as their {@code <0xNN>} text). */
    public String piece(int id) {
        return new String(pieceKeys[id].getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8);
    }

    /** Returns the merge score of {@code id}. */
    public float score(int id) {
        return scores[id];
    }

    /** Returns the header's length bound of a piece in bytes. */
    public int maxTokenLength() {
        return maxTokenLength;
    }

    /** Returns the byte of a {@code <0xNN>} piece, or -1 for any other piece. */
    private static int byteOfFallbackPiece(String piece) {
        if (piece.length() != 6 || !piece.startsWith("<0x") || piece.charAt(5) != '>') {
            return -1;
        }
        int high = Character.digit(piece.charAt(3), 16);
        int low = Character.digit(piece.charAt(4), 16);
        return high < 0 || low < 0 ? -1 : high * 16 + low;
    }
}
