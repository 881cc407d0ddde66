package dev.amend.kit.trace;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * Traces averaged over facts by token position relative to the subject, as in the ROME paper's averaged figures:
 * the subject's first, middle and last tokens, the first token after the subject, further tokens, and the prompt's
 * last token. A one-token subject counts as both first and last; a token is counted once per category it falls in.
 */
final class TokenAverages {
    /** The token positions averaged over, in the paper's order. */
    static final List<String> ROWS = List.of("subject_first", "subject_middle", "subject_last", "first_after",
            "further", "last");
    static final int SUBJECT_FIRST = 0;
    static final int SUBJECT_LAST = 2;
    static final int LAST = 5;

    private final Map<TraceKind, double[][]> sums = new EnumMap<>(TraceKind.class);
    private final int[] counts = new int[ROWS.size()];
    private final int layers;

    TokenAverages(int layers) {
        this.layers = layers;
        for (TraceKind kind : TraceKind.values()) {
            sums.put(kind, new double[layers][ROWS.size()]);
        }
    }

    /** Adds one trace: per category the mean over its tokens. */
    void add(Trace trace) {
        int last = trace.tokens().size() - 1;
        for (int row = 0; row < ROWS.size(); row++) {
            int[] span = span(row, trace.subjectFirst(), trace.subjectLast(), last);
            if (span[0] > span[1]) {
                continue;
            }
            counts[row]++;
            for (TraceKind kind : TraceKind.values()) {
                double[][] m = trace.matrix(kind);
                for (int l = 0; l < layers; l++) {
                    double sum = 0;
                    for (int t = span[0]; t <= span[1]; t++) {
                        sum += m[l][t];
                    }
                    sums.get(kind)[l][row] += sum / (span[1] - span[0] + 1);
                }
            }
        }
    }

    /** Returns the tokens [first, last] of category {@code row} (empty when first > last). */
    static int[] span(int row, int first, int subjectLast, int last) {
        return switch (row) {
            case 0 -> new int[] {first, first};
            case 1 -> new int[] {first + 1, subjectLast - 1};
            case 2 -> new int[] {subjectLast, subjectLast};
            case 3 -> subjectLast + 1 < last ? new int[] {subjectLast + 1, subjectLast + 1} : new int[] {1, 0};
            case 4 -> new int[] {subjectLast + 2, last - 1};
            default -> new int[] {last, last};
        };
    }

    /** Returns the average of {@code kind}, [layer][category]; a category no fact had is 0. */
    double[][] average(TraceKind kind) {
        double[][] out = new double[layers][ROWS.size()];
        for (int l = 0; l < layers; l++) {
            for (int row = 0; row < ROWS.size(); row++) {
                out[l][row] = counts[row] == 0 ? 0 : sums.get(kind)[l][row] / counts[row];
            }
        }
        return out;
    }

    /** Returns how many facts had a token in category {@code row}. */
    int count(int row) {
        return counts[row];
    }
}
