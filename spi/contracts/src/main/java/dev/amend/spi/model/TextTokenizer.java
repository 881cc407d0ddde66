package dev.amend.spi.model;

import java.util.OptionalInt;

/** Turns text into token ids and back. Implementations are thread-safe. */
public interface TextTokenizer {

    /** Returns the ids of {@code text}, with the beginning-of-sequence token first when the model uses one and {@code addBos}. */
    int[] encode(String text, boolean addBos);

    /** Returns the text of {@code ids}, skipping special tokens. */
    String decode(int[] ids);

    /** Returns the beginning-of-sequence id, if the model prepends one. */
    OptionalInt bos();

    /** Returns the end-of-text id, if the model has one. */
    OptionalInt eos();

    /** Returns the vocabulary size. */
    int vocabSize();

    /**
     * Returns the ids of {@code continuation} as they appear after {@code prefix}: the suffix of
     * {@code encode(prefix + continuation)} once the ids of {@code prefix} are removed. Token
     * boundaries may differ from encoding the continuation alone (BPE merges across the join).
     */
    default int[] encodeContinuation(String prefix, String continuation) {
        int[] all = encode(prefix + continuation, false);
        int[] head = encode(prefix, false);
        int shared = 0;
        while (shared < head.length && shared < all.length && head[shared] == all[shared]) {
            shared++;
        }
        return java.util.Arrays.copyOfRange(all, shared, all.length);
    }
}
