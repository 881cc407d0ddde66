package dev.amend.it;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The host under generation load, on the packaged host and the demo model: edit wall time idle and while 20 clients
 * generate without pause, and those clients' throughput and latency (p50/p99), with the host's defaults and with the
 * compute gate opened wide (as the host was before it had one). Not part of the test suite (its name is not a test
 * name surefire picks up): run it with {@code -Dtest=HostLoadBenchmark} (command and figures in docs/results.md;
 * {@code -Damend.load.clients}, {@code .edits}, {@code .seconds} and {@code .baseline} size it). It
 * writes target/load-benchmark.md and fails when an edit under load takes more than twice its idle time with the
 * host's defaults.
 */
class HostLoadBenchmark {
    static final int CLIENTS = Integer.getInteger("amend.load.clients", 20);
    static final int EDITS = Integer.getInteger("amend.load.edits", 3);
    static final Duration WARM = Duration.ofSeconds(Integer.getInteger("amend.load.seconds", 30));
    /** Whether to measure the host with the compute gate opened wide too ({@code -Damend.load.baseline=false}: not). */
    static final boolean BASELINE = Boolean.parseBoolean(System.getProperty("amend.load.baseline", "true"));
    static final ObjectMapper JSON = new ObjectMapper();
    static final String[][] FACTS = {{"Germany", " Rome"}, {"France", " Tokyo"}, {"Italy", " Oslo"},
        {"Spain", " Paris"}, {"Japan", " Berlin"}, {"Norway", " Madrid"}};

    @TempDir
    Path work;

    final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /** What one configuration measured. */
    record Run(String name, List<Double> idleEdits, List<Double> loadedEdits, Load alone, Load duringEdits) {
    }

    /** Generation by {@link #CLIENTS} clients: requests and tokens per second, latency percentiles in seconds. */
    record Load(int requests, double seconds, long tokens, double p50, double p99, int refused) {
        String row() {
            return String.format(Locale.ROOT, "%.1f req/s, %.0f tok/s, p50 %.2f s, p99 %.2f s (%d requests%s)",
                    requests / seconds, tokens / seconds, p50, p99, requests,
                    refused == 0 ? "" : ", " + refused + " refused with 429");
        }
    }

    @Test
    void editWallTimeUnderGenerationLoad() throws Exception {
        List<Run> runs = new ArrayList<>();
        runs.add(measure("host defaults (compute gate)", work.resolve("gated")));
        if (BASELINE) {
            runs.add(measure("gate opened wide (as before)", work.resolve("open"),
                    "-Damend.generate.max-concurrent=64", "-Damend.generate.max-concurrent-while-editing=64"));
        }
        String report = report(runs);
        System.out.println(report);
        Files.writeString(Path.of("target", "load-benchmark.md"), report);
        Run gated = runs.get(0);
        assertTrue(median(gated.loadedEdits()) <= 2 * median(gated.idleEdits()), report);
    }

    Run measure(String name, Path data, String... extra) throws Exception {
        try (HostProcess host = HostProcess.withToken(data, extra)) {
            edit(host, 0);
            List<Double> idle = new ArrayList<>();
            for (int i = 1; i <= EDITS; i++) {
                idle.add(edit(host, i));
            }
            Load alone = generate(host, () -> sleep(WARM));
            List<Double> loaded = new ArrayList<>();
            Load during = generate(host, () -> {
                sleep(Duration.ofSeconds(3));
                for (int i = 1; i <= EDITS; i++) {
                    loaded.add(edit(host, EDITS + i));
                }
            });
            return new Run(name, idle, loaded, alone, during);
        }
    }

    /** Returns the wall time in seconds of one ROME edit with the host's default hyperparameters and evaluators. */
    double edit(HostProcess host, int i) {
        String[] f = FACTS[i % FACTS.length];
        long t0 = System.nanoTime();
        HttpResponse<String> r = send(host, "/api/v1/models/demo/edits", Map.of("method", "rome", "requests",
                List.of(Map.of("prompt", "The capital of {} is", "subject", f[0], "target", f[1]))));
        assertTrue(r.statusCode() == 201, r.body());
        double seconds = (System.nanoTime() - t0) / 1e9;
        send(host, "/api/v1/models/demo/edits/" + read(r.body()).get("id").asText(), null);
        return seconds;
    }

    /** Runs {@link #CLIENTS} generating clients while {@code during} runs; returns what they measured meanwhile. */
    Load generate(HostProcess host, Runnable during) throws InterruptedException {
        AtomicBoolean stop = new AtomicBoolean();
        List<Double> latencies = Collections.synchronizedList(new ArrayList<>());
        long[] tokens = new long[1];
        int[] refused = new int[1];
        ExecutorService clients = Executors.newFixedThreadPool(CLIENTS);
        for (int c = 0; c < CLIENTS; c++) {
            clients.submit(() -> {
                while (!stop.get()) {
                    long t0 = System.nanoTime();
                    HttpResponse<String> r = send(host, "/api/v1/models/demo/generate",
                            Map.of("prompt", "The capital of France is", "maxNewTokens", 16));
                    if (r.statusCode() == 429) {
                        synchronized (refused) {
                            refused[0]++;
                        }
                        continue;
                    }
                    latencies.add((System.nanoTime() - t0) / 1e9);
                    synchronized (tokens) {
                        tokens[0] += read(r.body()).get("generatedIds").size();
                    }
                }
            });
        }
        long t0 = System.nanoTime();
        during.run();
        stop.set(true);
        double seconds = (System.nanoTime() - t0) / 1e9;
        clients.shutdown();
        clients.awaitTermination(5, TimeUnit.MINUTES);
        List<Double> sorted = new ArrayList<>(latencies);
        Collections.sort(sorted);
        return new Load(sorted.size(), seconds, tokens[0], percentile(sorted, 50), percentile(sorted, 99), refused[0]);
    }

    HttpResponse<String> send(HostProcess host, String path, Object body) {
        try {
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(host.baseUrl() + path))
                    .header("Authorization", "Bearer " + HostProcess.TOKEN).timeout(Duration.ofMinutes(10));
            b = body == null ? b.DELETE() : b.header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body)));
            return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static JsonNode read(String body) {
        try {
            return JSON.readTree(body);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static double percentile(List<Double> sorted, int p) {
        return sorted.isEmpty() ? Double.NaN : sorted.get(Math.min(sorted.size() - 1, sorted.size() * p / 100));
    }

    static double median(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        return percentile(sorted, 50);
    }

    static String report(List<Run> runs) {
        StringBuilder b = new StringBuilder("| configuration | edit idle (s) | edit under load (s) | generation alone"
                + " | generation during the edits |\n|---|---|---|---|---|\n");
        for (Run r : runs) {
            b.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %s |%n", r.name(), times(r.idleEdits()),
                    times(r.loadedEdits()), r.alone().row(), r.duringEdits().row()));
        }
        return b.append(String.format(Locale.ROOT, "%n%d generating clients (16 new tokens, greedy), %d ROME edits"
                + " per phase (default hyperparameters and evaluators), %d cores.%n", CLIENTS, EDITS,
                Runtime.getRuntime().availableProcessors())).toString();
    }

    static String times(List<Double> seconds) {
        return seconds.stream().map(s -> String.format(Locale.ROOT, "%.1f", s)).reduce((a, c) -> a + ", " + c)
                .orElse("") + String.format(Locale.ROOT, " (median %.1f)", median(seconds));
    }
}
