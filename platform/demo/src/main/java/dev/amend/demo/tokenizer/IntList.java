package dev.amend.demo.tokenizer;

import java.util.Arrays;

/** A growable array of ints. */
final class IntList {
    private int[] values;
    private int size;

    IntList(int capacity) {
        values = new int[Math.max(1, capacity)];
    }

    /** Appends {@code value}. */
    void add(int value) {
        if (size == values.length) {
            values = Arrays.copyOf(values, size * 2);
        }
        values[size++] = value;
    }

    /** Returns a copy of the values added, in order. */
    int[] toArray() {
        return Arrays.copyOf(values, size);
    }
}
