package dev.amend.bench;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;
import javax.imageio.ImageIO;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.Styler.LegendPosition;

/**
 * Pictures of sequential runs, as PNG with XChart, headless: one run's efficacy, generalisation, specificity and
 * untouched answers kept against the number of edits, or one panel per figure with a line per method.
 */
public final class CheckpointPlot {
    /** The figures drawn, by title. */
    static final Map<String, ToDoubleFunction<CounterFactBench.Checkpoint>> FIGURES = figures();
    private static final int WIDTH = 900;
    private static final int HEIGHT = 500;

    private CheckpointPlot() {
    }

    private static Map<String, ToDoubleFunction<CounterFactBench.Checkpoint>> figures() {
        Map<String, ToDoubleFunction<CounterFactBench.Checkpoint>> f = new LinkedHashMap<>();
        f.put("efficacy", CounterFactBench.Checkpoint::efficacy);
        f.put("generalization", CounterFactBench.Checkpoint::generalization);
        f.put("specificity", CounterFactBench.Checkpoint::specificity);
        f.put("untouched answers kept", CounterFactBench.Checkpoint::untouchedKept);
        return f;
    }

    /** Writes one run's figures against the number of edits to {@code file}. */
    public static void writeRun(List<CounterFactBench.Checkpoint> points, Path file, String title) throws IOException {
        XYChart chart = chart(title, WIDTH, HEIGHT);
        FIGURES.forEach((name, f) -> series(chart, name, points, f));
        write(BitmapEncoder.getBufferedImage(chart), file);
    }

    /** Writes one panel per figure, with a line per method, to {@code file} (one picture). */
    public static void writeMethods(Map<String, List<CounterFactBench.Checkpoint>> byMethod, Path file, String title)
            throws IOException {
        List<BufferedImage> panels = new ArrayList<>();
        FIGURES.forEach((name, f) -> {
            XYChart chart = chart(title + ": " + name, WIDTH / 2 + 100, HEIGHT - 100);
            byMethod.forEach((method, points) -> series(chart, method, points, f));
            panels.add(BitmapEncoder.getBufferedImage(chart));
        });
        int w = panels.get(0).getWidth();
        int h = panels.get(0).getHeight();
        BufferedImage all = new BufferedImage(2 * w, h * ((panels.size() + 1) / 2), BufferedImage.TYPE_INT_RGB);
        Graphics2D g = all.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, all.getWidth(), all.getHeight());
        for (int i = 0; i < panels.size(); i++) {
            g.drawImage(panels.get(i), (i % 2) * w, (i / 2) * h, null);
        }
        g.dispose();
        write(all, file);
    }

    private static XYChart chart(String title, int width, int height) {
        System.setProperty("java.awt.headless", "true");
        XYChart chart = new XYChartBuilder().width(width).height(height).title(title).xAxisTitle("edits")
                .yAxisTitle("fraction").build();
        chart.getStyler().setYAxisMin(0.0).setYAxisMax(1.0);
        chart.getStyler().setLegendPosition(LegendPosition.InsideSW).setChartBackgroundColor(Color.WHITE)
                .setDecimalPattern("0.##");
        return chart;
    }

    /** Adds the finite values of {@code f} over {@code points} as a series (none when there are none). */
    private static void series(XYChart chart, String name, List<CounterFactBench.Checkpoint> points,
                               ToDoubleFunction<CounterFactBench.Checkpoint> f) {
        List<Integer> x = new ArrayList<>();
        List<Double> y = new ArrayList<>();
        for (CounterFactBench.Checkpoint c : points) {
            double v = f.applyAsDouble(c);
            if (Double.isFinite(v)) {
                x.add(c.edits());
                y.add(v);
            }
        }
        if (!x.isEmpty()) {
            chart.addSeries(name, x, y);
        }
    }

    private static void write(BufferedImage image, Path file) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        if (!ImageIO.write(image, "png", file.toFile())) {
            throw new IOException("no PNG writer for " + file);
        }
    }
}
