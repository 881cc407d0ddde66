package dev.amend.demo.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/**
 * GPT-2's byte-level alphabet: every byte value stands for one printable char (the printable Latin-1 bytes
 * for themselves, the others for chars from U+0100 on), so any UTF-8 text is a string of byte symbols.
 */
final class ByteSymbols {
    /** The number of byte symbols every vocabulary holds. */
    static final int COUNT = 256;

    private static final char[] BYTE_TO_SYMBOL = new char[COUNT];
    private static final int[] SYMBOL_TO_BYTE;
    /** For each byte, the position of its symbol in GPT-2's alphabet order (symbols by code point). */
    private static final int[] BYTE_TO_ALPHABET_INDEX = new int[COUNT];
    private static final String[] ALPHABET = new String[COUNT];

    static {
        int nextUnprintable = 0x100;
        for (int b = 0; b < COUNT; b++) {
            boolean printable = (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            BYTE_TO_SYMBOL[b] = printable ? (char) b : (char) nextUnprintable++;
        }
        SYMBOL_TO_BYTE = new int[nextUnprintable];
        Arrays.fill(SYMBOL_TO_BYTE, -1);
        for (int b = 0; b < COUNT; b++) {
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

    private ByteSymbols() {
    }

    /** Returns the 256 byte symbols in GPT-2's alphabet order (by code point). */
    static List<String> alphabet() {
        return List.of(ALPHABET);
    }

    /** Returns the position of byte {@code b}'s symbol in {@link #alphabet()}. */
    static int alphabetIndex(byte b) {
        return BYTE_TO_ALPHABET_INDEX[b & 0xFF];
    }

    /** Returns {@code text}'s UTF-8 bytes as GPT-2 byte symbols, one char per byte. */
    static String of(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        char[] symbols = new char[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            symbols[i] = BYTE_TO_SYMBOL[bytes[i] & 0xFF];
        }
        return new String(symbols);
    }

    /** Returns the bytes a string of byte symbols stands for, or null when a char is not a byte symbol. */
    static byte[] toBytes(String symbols) {
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
}
