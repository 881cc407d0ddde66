package dev.amend.demo.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The loss curve is a PNG of the agreed size with both lines drawn, also when some losses are not finite. */
class LossCurveTest {
    @TempDir
    Path dir;

    @Test
    void writesAPngWithTheRawAndTheAveragedLoss() throws Exception {
        List<Double> losses = new ArrayList<>();
        for (int i = 0; i < 400; i++) {
            losses.add(5.0 * Math.exp(-i / 80.0) + 0.3 * Math.sin(i));
        }
        losses.set(17, Double.NaN);
        losses.set(18, Double.POSITIVE_INFINITY);
        Path file = dir.resolve("nested/loss.png");
        LossCurve.writePng(losses, file, "test loss");
        BufferedImage img = ImageIO.read(file.toFile());
        assertEquals(LossCurve.WIDTH, img.getWidth());
        assertEquals(LossCurve.HEIGHT, img.getHeight());
        assertTrue(pixels(img, 150, 180, 230) > 200, "raw loss line");
        assertTrue(pixels(img, 20, 60, 160) > 200, "averaged loss line");
    }

    @Test
    void theMovingAverageMeansTheLastWindowOfValues() {
        assertEquals(List.of(1.0, 1.5, 2.5, 3.5), LossCurve.movingAverage(List.of(1.0, 2.0, 3.0, 4.0), 2));
        assertEquals(List.of(1.0, 2.0), LossCurve.movingAverage(List.of(1.0, 2.0), 1));
    }

    private static int pixels(BufferedImage img, int r, int g, int b) {
        int n = 0;
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth(); x++) {
                int rgb = img.getRGB(x, y);
                if (Math.abs(((rgb >> 16) & 255) - r) < 12 && Math.abs(((rgb >> 8) & 255) - g) < 12
                        && Math.abs((rgb & 255) - b) < 12) {
                    n++;
                }
            }
        }
        return n;
    }
}
