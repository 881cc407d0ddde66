package dev.amend.runtime.bench;

import dev.amend.spi.model.TextTokenizer;
import java.nio.charset.StandardCharsets;
import java.util.OptionalInt;

/**
 * A byte-level tokenizer for randomly initialised models: each UTF-8 byte of the text is one token (id = byte + 3),
 * the ids a model samples outside that range decode to nothing. Enough to drive the editors' text paths (prompts,
 * targets, templates, statistics text) through a model of any vocabulary of at least 259 entries.
 */
final class ByteTokens implements TextTokenizer {
    private static final int FIRST = 3;

    private final int vocab;
    private final int bos;
    private final int eos;

    /** A tokenizer over a vocabulary of {@code vocab} ids, with the given beginning/end ids (-1 for none). */
    ByteTokens(int vocab, int bos, int eos) {
        if (vocab < FIRST + 256) {
            throw new IllegalArgumentException("a byte tokenizer needs a vocabulary of at least 259, got " + vocab);
        }
        this.vocab = vocab;
        this.bos = bos;
        this.eos = eos;
    }

    @Override
    public int[] encode(String text, boolean addBos) {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        int first = addBos && bos >= 0 ? 1 : 0;
        int[] ids = new int[b.length + first];
        if (first == 1) {
            ids[0] = bos;
        }
        for (int i = 0; i < b.length; i++) {
            ids[i + first] = FIRST + (b[i] & 0xFF);
        }
        return ids;
    }

    @Override
    public String decode(int[] ids) {
        byte[] out = new byte[ids.length];
        int n = 0;
        for (int id : ids) {
            if (id >= FIRST && id < FIRST + 256) {
                out[n++] = (byte) (id - FIRST);
            }
        }
        return new String(out, 0, n, StandardCharsets.UTF_8);
    }

    @Override
    public OptionalInt bos() {
        return bos >= 0 ? OptionalInt.of(bos) : OptionalInt.empty();
    }

    @Override
    public OptionalInt eos() {
        return eos >= 0 ? OptionalInt.of(eos) : OptionalInt.empty();
    }

    @Override
    public int vocabSize() {
        return vocab;
    }
}
