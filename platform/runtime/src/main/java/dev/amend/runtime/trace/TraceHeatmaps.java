package dev.amend.runtime.trace;

import dev.amend.kit.trace.Trace;
import dev.amend.kit.trace.TraceKind;
import java.awt.Color;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.BitmapEncoder.BitmapFormat;
import org.knowm.xchart.HeatMapChart;
import org.knowm.xchart.HeatMapChartBuilder;
import org.knowm.xchart.style.HeatMapStyler;
import org.knowm.xchart.style.Styler.LegendPosition;

/**
 * Draws a trace's matrices as PNG heatmaps with XChart, headless, in the layout of the ROME paper: tokens down,
 * layers across, the subject's tokens marked with {@code *}, darker where restoring the state brings back more of
 * the answer's probability (purple: residual stream, green: MLP, red: attention).
 */
public final class TraceHeatmaps {
    private TraceHeatmaps() {
    }

    /** Returns the PNG file name of {@code kind}: residual.png, mlp.png or attention.png. */
    public static String fileName(TraceKind kind) {
        return kind.id() + ".png";
    }

    /** Returns the PNG bytes of {@code kind}'s heatmap of {@code trace}. */
    public static byte[] png(Trace trace, TraceKind kind) {
        return png(trace.matrix(kind), labels(trace), title(kind, trace.window()) + ": effect on p(\""
                + trace.answer().strip() + "\")", kind);
    }

    /**
     * Returns the PNG bytes of a heatmap of {@code matrix} [layer][row] with {@code rows} labelled down the side;
     * negative values are drawn as 0. The x axis reads "centre of the restored layers" when the title says "window of".
     *
     * @param title what the values are
     */
    public static byte[] png(double[][] matrix, List<String> rows, String title, TraceKind kind) {
        System.setProperty("java.awt.headless", "true");
        int layers = matrix.length;
        int labelWidth = 0;
        for (String r : rows) {
            labelWidth = Math.max(labelWidth, r.length());
        }
        HeatMapChart chart = new HeatMapChartBuilder()
                .width(Math.max(Math.max(480, 10 * title.length() + 120), 230 + 8 * labelWidth + 30 * layers))
                .height(Math.max(300, 140 + 26 * rows.size())).title(title)
                .xAxisTitle(title.contains("window of") ? "centre of the restored layers" : "layer").build();
        double max = 1e-6;
        List<Number[]> cells = new ArrayList<>();
        List<Integer> x = new ArrayList<>();
        for (int l = 0; l < layers; l++) {
            x.add(l);
        }
        List<String> y = new ArrayList<>();
        for (int r = rows.size() - 1; r >= 0; r--) {
            y.add(rows.get(r)); // the chart draws its first row at the bottom: the prompt's first token goes on top
        }
        for (int l = 0; l < layers; l++) {
            for (int r = 0; r < rows.size(); r++) {
                double v = Math.max(0, matrix[l][r]); // white at no effect, as ROME's plots start at the corrupted run
                max = Math.max(max, v);
                cells.add(new Number[] {l, rows.size() - 1 - r, v});
            }
        }
        max = Math.ceil(max * 100) / 100; // the legend prints its ends as plain doubles: two decimals
        HeatMapStyler style = chart.getStyler();
        style.setRangeColors(new Color[] {Color.WHITE, colour(kind)}).setMin(0).setMax(max).setShowValue(false)
                .setDrawBorder(false).setHeatMapValueDecimalPattern("0.00").setGradientColorColumnWeight(12)
                .setLegendPosition(LegendPosition.OutsideE);
        style.setChartBackgroundColor(Color.WHITE);
        style.setPlotGridLinesVisible(false);
        chart.addSeries("indirect effect", x, y, cells);
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            BitmapEncoder.saveBitmap(chart, out, BitmapFormat.PNG);
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Writes the three heatmaps of {@code trace} into {@code dir}; returns their paths. */
    public static List<Path> write(Trace trace, Path dir) throws IOException {
        Files.createDirectories(dir);
        List<Path> out = new ArrayList<>();
        for (TraceKind kind : TraceKind.values()) {
            Path file = dir.resolve(fileName(kind));
            Files.write(file, png(trace, kind));
            out.add(file);
        }
        return out;
    }

    /** Returns the token labels, numbered (so equal tokens stay apart) and the subject's marked with *. */
    public static List<String> labels(Trace trace) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < trace.tokens().size(); i++) {
            String text = trace.tokens().get(i).replace("\n", "\\n");
            boolean subject = i >= trace.subjectFirst() && i <= trace.subjectLast();
            out.add(i + " " + text + (subject ? "*" : ""));
        }
        return out;
    }

    private static String title(TraceKind kind, int window) {
        return switch (kind) {
            case RESIDUAL -> "Residual stream restored";
            case MLP -> "MLP outputs restored" + windowText(window);
            case ATTENTION -> "Attention outputs restored" + windowText(window);
        };
    }

    private static String windowText(int window) {
        return window == 1 ? "" : " (window of " + window + " layers)";
    }

    private static Color colour(TraceKind kind) {
        return switch (kind) {
            case RESIDUAL -> new Color(63, 0, 125);
            case MLP -> new Color(0, 90, 50);
            case ATTENTION -> new Color(165, 15, 21);
        };
    }
}
