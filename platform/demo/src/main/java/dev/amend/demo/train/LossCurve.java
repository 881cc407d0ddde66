package dev.amend.demo.train;

import java.awt.Color;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.BitmapEncoder.BitmapFormat;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler.LegendPosition;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** Draws a training loss curve (raw per step, and a moving average) as a PNG with XChart, headless. */
public final class LossCurve {
    /** The image's width in pixels. */
    public static final int WIDTH = 900;
    /** The image's height in pixels. */
    public static final int HEIGHT = 500;
    /** The moving average spans this fraction of the steps (at least one step). */
    private static final int AVERAGE_FRACTION = 50;

    private LossCurve() {
    }

    /** Writes the curve of {@code losses} (one per step; non-finite ones are left out) to {@code file}. */
    public static void writePng(List<Double> losses, Path file, String title) throws IOException {
        System.setProperty("java.awt.headless", "true");
        XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(title).xAxisTitle("step")
                .yAxisTitle("loss").build();
        chart.getStyler().setLegendPosition(LegendPosition.InsideNE).setChartBackgroundColor(Color.WHITE)
                .setDecimalPattern("0.##");
        List<Integer> steps = new ArrayList<>();
        List<Double> raw = new ArrayList<>();
        for (int i = 0; i < losses.size(); i++) {
            if (Double.isFinite(losses.get(i))) {
                steps.add(i + 1);
                raw.add(losses.get(i));
            }
        }
        if (raw.isEmpty()) {
            steps.add(1);
            raw.add(0.0);
        }
        int window = Math.max(1, raw.size() / AVERAGE_FRACTION);
        line(chart.addSeries("loss", steps, raw), new Color(150, 180, 230), 1f);
        line(chart.addSeries("mean of " + window + " steps", steps, movingAverage(raw, window)),
                new Color(20, 60, 160), 2f);
        Files.createDirectories(file.toAbsolutePath().getParent());
        try (OutputStream out = Files.newOutputStream(file)) {
            BitmapEncoder.saveBitmap(chart, out, BitmapFormat.PNG);
        }
    }

    /** Returns the mean of each value and the up to {@code window - 1} values before it. */
    static List<Double> movingAverage(List<Double> values, int window) {
        List<Double> out = new ArrayList<>(values.size());
        double sum = 0;
        for (int i = 0; i < values.size(); i++) {
            sum += values.get(i);
            if (i >= window) {
                sum -= values.get(i - window);
            }
            out.add(sum / Math.min(i + 1, window));
        }
        return out;
    }

    private static void line(XYSeries series, Color color, float width) {
        series.setMarker(SeriesMarkers.NONE);
        series.setLineColor(color);
        series.setLineWidth(width);
    }
}
