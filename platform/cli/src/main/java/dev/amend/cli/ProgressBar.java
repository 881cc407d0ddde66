package dev.amend.cli;

import dev.amend.spi.ProgressListener;
import java.io.PrintStream;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarConsumer;
import me.tongfei.progressbar.ProgressBarStyle;
import org.jline.terminal.TerminalBuilder;
import org.jline.terminal.spi.SystemStream;
import org.jline.terminal.spi.TerminalProvider;

/**
 * Shows the progress of long work on stderr with the progressbar library, one bar per stage.
 *
 * <p>A stage is the name up to " (", the rest is shown as the bar's message ("train mend (loss 1.2)"). All bars
 * share one line: the stage reported last draws on it; a stage's bar ends, leaving its line, when it reaches its
 * total or starts over. On a terminal the line is redrawn in place; when stderr is a file or a pipe each bar
 * writes plain text lines instead (at most one per {@link #LOG_INTERVAL} and its final state), never carriage
 * returns or colour codes. Quiet (for --json) it writes nothing, so stdout and stderr stay clean.
 */
final class ProgressBar implements ProgressListener {
    /** How often a bar writes a line when stderr is not a terminal. */
    static final Duration LOG_INTERVAL = Duration.ofSeconds(30);
    private static final int LOG_WIDTH = 100;
    private static Boolean stderrIsTerminal;

    private final boolean quiet;
    private final PrintStream out;
    private final boolean terminal;
    private final Duration logInterval;
    private final Map<String, Stage> stages = new HashMap<>();
    private volatile String current = "";
    private String lastFinished;

    ProgressBar(boolean quiet) {
        this(quiet, System.err, !quiet && stderrIsTerminal(), LOG_INTERVAL);
    }

    ProgressBar(boolean quiet, PrintStream out, boolean terminal, Duration logInterval) {
        this.quiet = quiet;
        this.out = out;
        this.terminal = terminal;
        this.logInterval = logInterval;
    }

    @Override
    public synchronized void progress(String stageName, long done, long total) {
        if (quiet) {
            return;
        }
        int paren = stageName.indexOf(" (");
        String stage = paren < 0 ? stageName : stageName.substring(0, paren);
        String message = paren < 0 ? "" : stageName.substring(paren + 2).replaceFirst("\\)$", "");
        current = stage;
        Stage open = stages.get(stage);
        if (open != null && done < open.bar().getCurrent()) {
            finish(stage);
            open = null;
        }
        if (open == null) {
            if (done >= total && stage.equals(lastFinished)) {
                return;
            }
            open = open(stage, total);
        }
        open.bar().maxHint(total);
        open.bar().setExtraMessage(message);
        open.bar().stepTo(done);
        if (done >= total) {
            finish(stage);
        }
    }

    private Stage open(String stage, long total) {
        StageOutput output = terminal ? new TerminalLine(stage) : new LogLines(stage);
        me.tongfei.progressbar.ProgressBar bar = new ProgressBarBuilder().setTaskName(stage).setInitialMax(total)
                .setStyle(terminal ? ProgressBarStyle.COLORFUL_UNICODE_BLOCK : ProgressBarStyle.ASCII)
                .setUpdateIntervalMillis(terminal ? 200 : 1000).setConsumer(output).build();
        Stage open = new Stage(bar, output);
        stages.put(stage, open);
        lastFinished = null;
        return open;
    }

    /** Ends the bar of {@code stage}: the library draws its last state once more, then its line is closed. */
    private void finish(String stage) {
        Stage open = stages.remove(stage);
        if (open != null) {
            open.bar().close();
            // the library skips its consumer's close() when a bar ends before its first refresh
            open.output().close();
            lastFinished = stage;
        }
    }

    /** Returns whether stderr (file descriptor 2) is a terminal, as jline's terminal providers see it. */
    private static synchronized boolean stderrIsTerminal() {
        if (stderrIsTerminal == null) {
            String term = System.getenv("TERM");
            boolean tty = false;
            if (term != null && !term.isEmpty() && !term.startsWith("dumb")) {
                IllegalStateException unavailable = new IllegalStateException("no terminal provider");
                for (TerminalProvider provider : TerminalBuilder.builder().getProviders(null, unavailable)) {
                    tty |= provider.isSystemStream(SystemStream.Error);
                }
            }
            stderrIsTerminal = tty;
        }
        return stderrIsTerminal;
    }

    /** One open stage: the library's bar and where it draws. */
    private record Stage(me.tongfei.progressbar.ProgressBar bar, StageOutput output) {
    }

    /** Where one stage's bar draws; it draws only while its stage is the one reported last, and closes once. */
    private abstract class StageOutput implements ProgressBarConsumer {
        final String stage;
        private final AtomicBoolean closed = new AtomicBoolean();

        StageOutput(String stage) {
            this.stage = stage;
        }

        boolean drawing() {
            return stage.equals(current);
        }

        @Override
        public final void close() {
            if (closed.compareAndSet(false, true)) {
                end();
            }
        }

        /** Closes the output after the bar's last state was drawn. */
        abstract void end();
    }

    /** Redraws one terminal line in place (the library's console output) and ends it with a newline. */
    private final class TerminalLine extends StageOutput {
        private final ConsoleProgressBarConsumer console = new ConsoleProgressBarConsumer(out);

        TerminalLine(String stage) {
            super(stage);
        }

        @Override
        public int getMaxRenderedLength() {
            return console.getMaxRenderedLength();
        }

        @Override
        public void accept(String rendered) {
            if (drawing()) {
                console.accept(rendered);
            }
        }

        @Override
        void end() {
            if (drawing()) {
                console.close();
            }
        }
    }

    /** Writes whole lines for a log: the state at most once per interval, and the final state. */
    private final class LogLines extends StageOutput {
        private long lastWrite = System.nanoTime();
        private String unwritten;

        LogLines(String stage) {
            super(stage);
        }

        @Override
        public int getMaxRenderedLength() {
            return LOG_WIDTH;
        }

        @Override
        public synchronized void accept(String rendered) {
            unwritten = rendered.strip();
            long now = System.nanoTime();
            if (drawing() && now - lastWrite >= logInterval.toNanos()) {
                out.println(unwritten);
                lastWrite = now;
                unwritten = null;
            }
        }

        @Override
        synchronized void end() {
            if (unwritten != null) {
                out.println(unwritten);
            }
            out.flush();
        }
    }
}
