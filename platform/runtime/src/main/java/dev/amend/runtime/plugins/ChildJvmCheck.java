package dev.amend.runtime.plugins;

import dev.amend.runtime.plugins.PluginJar.Failure;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checks plugin jars in a short-lived child JVM running {@link PluginJarCheck}, so that a jar whose code calls
 * System.exit, hangs or throws is refused before it is loaded into this JVM. Jars are checked in order in one
 * child; when one ends or hangs the child, the jars after it are checked in a new one. One jar's check may take
 * {@code timeout} (starting the JVM may take a minute more).
 */
final class ChildJvmCheck {
    /**
     * The outcome of one jar's check.
     *
     * @param kind    {@link Failure#NONE} (passed), UNFIT, FAULT, or UNCHECKED when the check could not run
     * @param reason  why it did not pass (null when it passed)
     * @param details the child's last output lines when it ended abnormally, else empty
     */
    record Verdict(Failure kind, String reason, String details) {
    }

    private static final Logger LOG = LoggerFactory.getLogger(ChildJvmCheck.class);
    private static final Duration START_LIMIT = Duration.ofSeconds(60);

    private final Path workDir;
    private final Duration timeout;
    private final Set<Process> running = ConcurrentHashMap.newKeySet();
    private final AtomicLong runs = new AtomicLong();
    private volatile boolean stopped;

    ChildJvmCheck(Path workDir, Duration timeout) {
        this.workDir = workDir;
        this.timeout = timeout;
    }

    /** Returns the verdict on each of {@code jars}, in order. */
    List<Verdict> check(List<Path> jars) throws InterruptedException {
        List<Verdict> out = new ArrayList<>();
        while (out.size() < jars.size()) {
            Run run = run(jars.subList(out.size(), jars.size()));
            if (!run.ready) {
                String why = stopped ? "the catalog closed during the check"
                        : "the plugin check could not start a JVM (" + run.lastOutputLine() + "): fix that, or turn"
                        + " the child-JVM check off (the host's amend.plugins.check-in-child-jvm=false) to check"
                        + " jars in the host only";
                while (out.size() < jars.size()) {
                    out.add(new Verdict(Failure.UNCHECKED, why, run.tail));
                }
                break;
            }
            for (int k = 0; run.ends.containsKey(k); k++) {
                out.add(verdict(run.ends.get(k)));
            }
            if (out.size() < jars.size()) {
                out.add(run.fault());
            }
        }
        return out;
    }

    /** Stops every running check and refuses new ones (their jars come back UNCHECKED). */
    void stop() {
        stopped = true;
        running.forEach(Process::destroyForcibly);
    }

    private static Verdict verdict(String end) {
        if (end.equals("PASSED")) {
            return new Verdict(Failure.NONE, null, "");
        }
        int space = end.indexOf(' ');
        String reason = space < 0 ? "" : end.substring(space + 1);
        return new Verdict(end.startsWith("FAULT") ? Failure.FAULT : Failure.UNFIT, reason, "");
    }

    /** Runs one child over {@code jars} until it ends, hangs past the timeout, or is stopped. */
    private Run run(List<Path> jars) throws InterruptedException {
        long n = runs.incrementAndGet();
        Path results = workDir.resolve("check-" + n + ".txt");
        Path log = workDir.resolve("check-" + n + ".log");
        Run run = new Run();
        Process p = null;
        try {
            if (stopped) {
                return run;
            }
            p = new ProcessBuilder(command(results, jars)).directory(workDir.toFile()).redirectErrorStream(true)
                    .redirectOutput(log.toFile()).redirectInput(ProcessBuilder.Redirect.from(nullFile())).start();
            running.add(p);
            watch(p, run, results);
        } catch (IOException e) {
            run.tail = e.toString();
            return run;
        } finally {
            if (p != null) {
                p.destroyForcibly();
                running.remove(p);
                run.read(results);
                run.exitStatus = p.waitFor(5, TimeUnit.SECONDS) ? p.exitValue() : -1;
            }
            run.tail = tail(log);
            deleteQuietly(results);
            deleteQuietly(log);
        }
        return run;
    }

    /** Waits for {@code p}, killing it once it hangs; records what it wrote into {@code run}. */
    private void watch(Process p, Run run, Path results) throws InterruptedException {
        long started = System.nanoTime();
        long lastBegin = started;
        int begun = -1;
        while (!p.waitFor(25, TimeUnit.MILLISECONDS)) {
            run.read(results);
            if (run.begun != begun) {
                begun = run.begun;
                lastBegin = System.nanoTime();
            }
            long limit = run.ready ? timeout.toNanos() : Math.max(START_LIMIT.toNanos(), timeout.toNanos());
            if (System.nanoTime() - (run.ready ? lastBegin : started) > limit) {
                run.timedOut = true;
                LOG.warn("plugin check: no answer within {} s during {}; stopping the check JVM",
                        limit / 1_000_000_000L, run.lastStep);
                return;
            }
        }
    }

    private List<String> command(Path results, List<Path> jars) {
        List<String> cmd = new ArrayList<>(List.of(CheckClassPath.java(), "-Xmx512m", "-XX:+UseSerialGC",
                "-XX:TieredStopAtLevel=1", "-XX:-UsePerfData", "-Xshare:auto", "-Djava.awt.headless=true",
                "-Dai.djl.offline=true", "-cp", CheckClassPath.get(), PluginJarCheck.class.getName(),
                results.toString()));
        jars.forEach(j -> cmd.add(j.toString()));
        return cmd;
    }

    private static java.io.File nullFile() {
        return new java.io.File(System.getProperty("os.name", "").startsWith("Windows") ? "NUL" : "/dev/null");
    }

    /** Returns the last lines (at most 20, from the last 8 KiB) of the child's output. */
    private static String tail(Path log) {
        try (SeekableByteChannel ch = Files.newByteChannel(log)) {
            long size = ch.size();
            ByteBuffer b = ByteBuffer.allocate((int) Math.min(size, 8192));
            ch.position(size - b.capacity());
            while (b.hasRemaining() && ch.read(b) >= 0) {
                // fill the buffer
            }
            List<String> lines = new String(b.array(), 0, b.position(), StandardCharsets.UTF_8).lines().toList();
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
        } catch (IOException e) {
            return "";
        }
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException e) {
            // the work directory is deleted with the catalog
        }
    }

    /** What one child wrote and how it ended. */
    private final class Run {
        final Map<Integer, String> ends = new HashMap<>();
        boolean ready;
        boolean timedOut;
        int begun = -1;
        String lastStep = "loading the jar";
        String exitCaller;
        int exitStatus;
        String tail = "";

        /** Reads the result file (it only grows) and updates the progress. */
        void read(Path results) {
            List<String> lines;
            try {
                lines = Files.exists(results) ? Files.readAllLines(results, StandardCharsets.UTF_8) : List.of();
            } catch (IOException e) {
                return;
            }
            for (String line : lines) {
                String[] w = line.split(" ", 3);
                switch (w[0]) {
                    case "ready" -> ready = true;
                    case "begin" -> begun = Math.max(begun, Integer.parseInt(w[1]));
                    case "step" -> lastStep = w.length > 2 ? w[2] : lastStep;
                    case "end" -> ends.put(Integer.parseInt(w[1]), w.length > 2 ? w[2] : "FAULT no verdict");
                    case "exit" -> exitCaller = line.substring(5);
                    default -> { }
                }
            }
        }

        /** Returns the verdict on the jar being checked when the child ended or hung. */
        Verdict fault() {
            if (stopped) {
                return new Verdict(Failure.UNCHECKED, "the catalog closed during the check", tail);
            }
            if (timedOut) {
                return new Verdict(Failure.FAULT, "did not finish its check within " + timeout.toSeconds()
                        + " s (still in " + lastStep + "): an endless loop or a blocking call in the plugin", tail);
            }
            if (exitCaller != null) {
                return new Verdict(Failure.FAULT, "called System.exit(" + exitStatus + ") at " + exitCaller
                        + " while being checked: a plugin must never end the JVM", tail);
            }
            return new Verdict(Failure.FAULT, "ended the check JVM (exit status " + exitStatus + ") during " + lastStep
                    + ": " + lastOutputLine(), tail);
        }

        String lastOutputLine() {
            String[] lines = tail.split("\n");
            return Arrays.stream(lines).reduce((a, b) -> b).orElse("no output");
        }
    }
}
