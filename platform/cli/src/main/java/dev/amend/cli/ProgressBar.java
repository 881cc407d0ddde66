package dev.amend.cli;

import dev.amend.spi.ProgressListener;
import java.io.PrintStream;

/** Renders progress on one terminal line of stderr: stage, bar, counts, rate and time left. */
final class ProgressBar implements ProgressListener {
    private final PrintStream out;
    private final boolean quiet;
    private String stage = "";
    private long started;
    private long lastDraw;

    ProgressBar(boolean quiet) {
        this.out = System.err;
        this.quiet = quiet;
    }

    @Override
    public synchronized void progress(String stageName, long done, long total) {
        if (quiet) {
            return;
        }
        String base = stageName.contains(" (") ? stageName.substring(0, stageName.indexOf(" (")) : stageName;
        long now = System.nanoTime();
        if (!base.equals(stage)) {
            stage = base;
            started = now;
        }
        boolean finished = done >= total;
        if (!finished && now - lastDraw < 100_000_000L) {
            return;
        }
        lastDraw = now;
        int width = 30;
        int filled = total <= 0 ? 0 : (int) (width * Math.min(1.0, (double) done / total));
        double elapsed = (now - started) / 1e9;
        double left = done <= 0 ? 0 : elapsed * (total - done) / done;
        out.printf("\r%-34s [%s%s] %3d%% %d/%d %s", trim(stageName), "#".repeat(filled), ".".repeat(width - filled),
                total <= 0 ? 0 : (int) (100 * done / total), done, total,
                finished ? String.format("%.1fs", elapsed) : String.format("eta %.0fs", left));
        if (finished) {
            out.println();
        }
        out.flush();
    }

    private static String trim(String s) {
        return s.length() <= 34 ? s : s.substring(0, 33) + "…";
    }
}
