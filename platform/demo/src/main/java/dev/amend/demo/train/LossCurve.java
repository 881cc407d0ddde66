package dev.amend.demo.train;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;

/** Draws a loss curve (raw per step, and a moving average) as a PNG, headless. */
public final class LossCurve {
    private LossCurve() {
    }

    /** Writes the curve of {@code losses} (one per step) to {@code file} with {@code title} on top. */
    public static void writePng(List<Double> losses, Path file, String title) throws IOException {
        System.setProperty("java.awt.headless", "true");
        int w = 900;
        int h = 500;
        int left = 70;
        int right = 20;
        int top = 40;
        int bottom = 50;
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, w, h);
        double max = 0;
        double min = Double.MAX_VALUE;
        for (double l : losses) {
            if (Double.isFinite(l)) {
                max = Math.max(max, l);
                min = Math.min(min, l);
            }
        }
        double lo = Math.max(0, Math.floor(min));
        double hi = Math.ceil(max);
        if (hi <= lo) {
            hi = lo + 1;
        }
        int n = Math.max(2, losses.size());
        g.setColor(Color.LIGHT_GRAY);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        for (int i = 0; i <= 5; i++) {
            double v = lo + (hi - lo) * i / 5;
            int y = top + (int) ((h - top - bottom) * (1 - (v - lo) / (hi - lo)));
            g.drawLine(left, y, w - right, y);
            g.setColor(Color.DARK_GRAY);
            g.drawString(String.format("%.2f", v), 10, y + 4);
            g.setColor(Color.LIGHT_GRAY);
        }
        g.setColor(Color.DARK_GRAY);
        g.drawLine(left, h - bottom, w - right, h - bottom);
        g.drawLine(left, top, left, h - bottom);
        for (int i = 0; i <= 4; i++) {
            int step = (n - 1) * i / 4;
            int x = left + (w - left - right) * i / 4;
            g.drawString(String.valueOf(step + 1), x - 10, h - bottom + 18);
        }
        g.drawString("step", w / 2 - 10, h - 12);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
        g.drawString(title, left, 24);
        plot(g, losses, 1, new Color(150, 180, 230), left, right, top, bottom, w, h, lo, hi, n);
        plot(g, losses, Math.max(1, losses.size() / 50), new Color(20, 60, 160), left, right, top, bottom, w, h, lo,
                hi, n);
        g.dispose();
        Files.createDirectories(file.toAbsolutePath().getParent());
        ImageIO.write(img, "png", file.toFile());
    }

    private static void plot(Graphics2D g, List<Double> losses, int window, Color color, int left, int right, int top,
                             int bottom, int w, int h, double lo, double hi, int n) {
        g.setColor(color);
        g.setStroke(new BasicStroke(window == 1 ? 1f : 2f));
        int px = -1;
        int py = -1;
        double sum = 0;
        for (int i = 0; i < losses.size(); i++) {
            sum += losses.get(i);
            if (i >= window) {
                sum -= losses.get(i - window);
            }
            double v = sum / Math.min(i + 1, window);
            int x = left + (int) ((w - left - right) * (double) i / (n - 1));
            int y = top + (int) ((h - top - bottom) * (1 - (Math.min(hi, v) - lo) / (hi - lo)));
            if (px >= 0) {
                g.drawLine(px, py, x, y);
            }
            px = x;
            py = y;
        }
    }
}
