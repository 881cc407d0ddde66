package dev.amend.runtime.model;

import dev.amend.spi.model.TextTokenizer;
import java.util.OptionalInt;

/** One token per character of a 61-character alphabet (ids 3..63; 2 is end-of-text): a lossless tokenizer for tiny test models. */
public final class CharTokenizer implements TextTokenizer {
    /** The only instance. */
    public static final CharTokenizer INSTANCE = new CharTokenizer();

    private static final String ALPHABET = " abcdefghijklmnopqrstuvwxyz0123456789.,;:!?'\"-()ABCDEFGHIJKLM";
    private static final int FIRST = 3;

    private CharTokenizer() {
    }

    @Override
    public int[] encode(String text, boolean addBos) {
        return text.chars().map(c -> FIRST + (ALPHABET.indexOf(c) >= 0 ? ALPHABET.indexOf(c) : ALPHABET.indexOf('?')))
                .toArray();
    }

    @Override
    public String decode(int[] ids) {
        StringBuilder s = new StringBuilder();
        for (int id : ids) {
            if (id >= FIRST && id < FIRST + ALPHABET.length()) {
                s.append(ALPHABET.charAt(id - FIRST));
            }
        }
        return s.toString();
    }

    @Override
    public OptionalInt bos() {
        return OptionalInt.empty();
    }

    @Override
    public OptionalInt eos() {
        return OptionalInt.of(2);
    }

    @Override
    public int vocabSize() {
        return 64;
    }
}
