package dev.amend.cli;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import dev.amend.kit.linalg.LinearAlgebra.Path;
import dev.amend.runtime.bench.LinalgBenchmark;
import dev.amend.runtime.io.Devices;
import dev.amend.spi.InvalidRequestException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code amend bench linalg}: the editors' float64 solve and null-space projector on each path, against a matmul. */
@Command(name = "linalg", mixinStandardHelpOptions = true,
        description = "Time MEMIT's layer solve and AlphaEdit's null-space projector in float64 on the Java path and"
                + " the torch path (PyTorch on --device), with an n×n matmul of the same size and path as the"
                + " yardstick.")
final class BenchLinalgCommand implements Callable<Integer> {
    @Option(names = "--sizes", defaultValue = "1024,2048,4096,6400", split = ",", paramLabel = "N,N,...",
            description = "Matrix orders n (d_ff), comma-separated (default ${DEFAULT-VALUE}).")
    int[] sizes;

    @Option(names = "--paths", defaultValue = "java,torch", split = ",", paramLabel = "PATH,...",
            description = "Paths to time: java, torch (default ${DEFAULT-VALUE}).")
    String[] paths;

    @Option(names = "--device", defaultValue = "${env:AMEND_DEVICE:-cpu}", description = "cpu or cuda:N.")
    String device;

    @Option(names = "--json", description = "Print one JSON object.")
    boolean json;

    @Override
    public Integer call() {
        Device dev = Devices.parse(device);
        List<Path> chosen = parsePaths();
        for (int n : sizes) {
            if (n < 2) {
                throw new InvalidRequestException("--sizes takes matrix orders of at least 2, got " + n);
            }
        }
        Engine engine = Engine.getEngine("PyTorch");
        if (dev.isGpu() && dev.getDeviceId() >= engine.getGpuCount()) {
            throw new InvalidRequestException("device " + device + " is not available: PyTorch sees "
                    + engine.getGpuCount() + " GPU(s) (a CPU build sees none: build with -Pcuda on a CUDA node)");
        }
        List<LinalgBenchmark.Result> results;
        try (NDManager manager = engine.newBaseManager(dev)) {
            results = LinalgBenchmark.run(manager, sizes, chosen,
                    what -> System.err.println("bench linalg: " + what + " ..."));
        }
        if (json) {
            List<Map<String, Object>> rows = new ArrayList<>();
            for (LinalgBenchmark.Result r : results) {
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("n", r.n());
                row.put("path", r.path());
                row.put("solve_seconds", r.solveSeconds());
                row.put("projector_seconds", r.projectorSeconds());
                row.put("matmul_seconds", r.matmulSeconds());
                rows.add(row);
            }
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("device", dev.toString());
            o.put("results", rows);
            System.out.println(Json.of(o));
        } else {
            print(dev, results);
        }
        return 0;
    }

    private List<Path> parsePaths() {
        List<Path> out = new ArrayList<>();
        for (String p : paths) {
            Path found = null;
            for (Path candidate : Path.values()) {
                if (candidate.label().equals(p.trim().toLowerCase(Locale.ROOT))) {
                    found = candidate;
                }
            }
            if (found == null) {
                throw new InvalidRequestException("unknown path \"" + p + "\" in --paths: use java, torch or both");
            }
            out.add(found);
        }
        return out;
    }

    private static void print(Device dev, List<LinalgBenchmark.Result> results) {
        System.out.printf("float64 linear algebra, torch path on %s, %d CPU cores; ×mm = time in n×n matmuls of the"
                + " same path%n", dev, Runtime.getRuntime().availableProcessors());
        System.out.printf("MEMIT solve: (λC + K Kᵀ)⁻¹ K with %d keys; projector: eigenvalues of C below the threshold%n%n",
                LinalgBenchmark.KEYS);
        System.out.printf("%6s %-6s %10s %8s %12s %8s %10s %6s%n", "n", "path", "solve s", "×mm", "projector s",
                "×mm", "matmul s", "rank");
        for (LinalgBenchmark.Result r : results) {
            System.out.printf("%6d %-6s %10.3f %8.2f %12.3f %8.2f %10.3f %6d%n", r.n(), r.path(), r.solveSeconds(),
                    r.solveRatio(), r.projectorSeconds(), r.projectorRatio(), r.matmulSeconds(), r.rank());
        }
    }
}
