package dev.amend.fuzz;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;

/** Counts the generated inputs of the whole suite by kind, and prints the count (CI logs show it). */
final class FuzzInputs {
    private static final Map<String, AtomicLong> COUNTS = new TreeMap<>();

    private FuzzInputs() {
    }

    /** Counts one input of {@code kind}. */
    static synchronized void count(String kind) {
        COUNTS.computeIfAbsent(kind, k -> new AtomicLong()).incrementAndGet();
    }

    /** Returns the inputs counted so far, all kinds together. */
    static synchronized long total() {
        return COUNTS.values().stream().mapToLong(AtomicLong::get).sum();
    }

    /** Prints the count by kind and the total. */
    static synchronized void print(String after) {
        StringBuilder b = new StringBuilder("fuzzing inputs after " + after + ": " + total() + " in total");
        COUNTS.forEach((k, v) -> b.append("\n  ").append(k).append(": ").append(v.get()));
        System.out.println(b);
    }
}
