package dev.amend.cli;

import java.io.PrintStream;
import java.util.List;
import java.util.Locale;

/** Prints a matrix [layer][row] of indirect effects as text: rows down, layers across, values × 100. */
final class TraceTable {
    /** Tables wider than this many layers print their peaks only. */
    static final int MAX_LAYERS = 32;

    private TraceTable() {
    }

    /** Prints {@code title}, then the table, then the peak of each row. */
    static void print(PrintStream out, String title, double[][] matrix, List<String> rows) {
        out.println(title);
        int width = 4;
        for (String r : rows) {
            width = Math.max(width, Math.min(28, r.length()));
        }
        boolean table = matrix.length <= MAX_LAYERS;
        StringBuilder head = new StringBuilder(String.format(Locale.ROOT, "  %-" + width + "s", "layer"));
        for (int l = 0; table && l < matrix.length; l++) {
            head.append(String.format(Locale.ROOT, " %5d", l));
        }
        out.println(head.append("   peak"));
        for (int r = 0; r < rows.size(); r++) {
            String label = rows.get(r).length() > width ? rows.get(r).substring(0, width) : rows.get(r);
            StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "  %-" + width + "s", label));
            int peak = 0;
            for (int l = 0; l < matrix.length; l++) {
                if (table) {
                    line.append(String.format(Locale.ROOT, " %5.1f", 100 * matrix[l][r]));
                }
                peak = matrix[l][r] > matrix[peak][r] ? l : peak;
            }
            out.println(line.append(String.format(Locale.ROOT, "   layer %d (%.1f)", peak, 100 * matrix[peak][r])));
        }
    }
}
