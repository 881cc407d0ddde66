package dev.amend.cli;

import dev.amend.runtime.bench.ModelShape;
import dev.amend.runtime.bench.ScaleBenchmark;
import dev.amend.runtime.editing.EditorRegistry;
import dev.amend.runtime.io.Devices;
import dev.amend.runtime.model.Residency;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code amend bench scale}: a random model of a real shape, its memory, throughput and edit times. */
@Command(name = "scale", mixinStandardHelpOptions = true,
        description = {"Builds a randomly initialised model of a published shape (its first --blocks blocks) and"
                + " prints its resident memory against parameters x bytes per parameter, prefill and decode tokens/s,"
                + " and for ROME, MEMIT and AlphaEdit at the shape's usual edit layers (the last blocks kept when"
                + " those lie beyond them) the edit time split into statistics over T tokens, optimisation, solve and"
                + " projector.", "Give the JVM room: AMEND_JAVA_OPTS=-Xmx12g for the statistics of wide models."})
final class BenchScaleCommand implements Callable<Integer> {
    @Option(names = "--shape", required = true, paramLabel = "SHAPE",
            description = "gpt2-xl, llama3-8b or qwen2.5-7b.")
    String shape;

    @Option(names = "--blocks", paramLabel = "N",
            description = "Keep the first N blocks (default: the blocks up to the shape's last usual edit layer).")
    Integer blocks;

    @Mixin
    ResidencyOptions where;

    @Option(names = "--methods", defaultValue = "rome,memit,alphaedit", split = ",", paramLabel = "LIST",
            description = "Methods to time (default ${DEFAULT-VALUE}); none: --methods=\"\".")
    List<String> methods;

    @Option(names = "--tokens", defaultValue = "128", description = "Prefill length (default ${DEFAULT-VALUE}).")
    int tokens;

    @Option(names = "--decode", defaultValue = "16", description = "Greedy decode steps (default ${DEFAULT-VALUE}).")
    int decode;

    @Option(names = "--statistics-tokens", paramLabel = "T",
            description = "Tokens of text the layer statistics run over (default: twice the MLP width, so the"
                    + " covariance ROME and MEMIT invert has full rank).")
    Long statisticsTokens;

    @Option(names = "--seed", defaultValue = "1", description = "Seed of the weights, texts and edits.")
    long seed;

    @Option(names = "--json", description = "Print one JSON object.")
    boolean json;

    @Override
    public Integer call() {
        ModelShape s = ModelShape.parse(shape);
        Residency residency = where.residency();
        List<String> chosen = methods.stream().map(String::strip).filter(m -> !m.isEmpty()).toList();
        chosen.forEach(s::editLayers); // refuses an unknown method before anything is built
        int n = blocks != null ? blocks : s.blocksToEditLayers();
        long t = statisticsTokens != null ? statisticsTokens : 2L * s.config(n).intermediateSize();
        ScaleBenchmark.Result r = ScaleBenchmark.run(new ScaleBenchmark.Options(s, n, residency, chosen, tokens,
                decode, t, seed), EditorRegistry.classPath(), m -> System.err.println("bench scale: " + m));
        if (json) {
            System.out.println(Json.of(r.json()));
        } else {
            print(r);
        }
        return 0;
    }

    private static void print(ScaleBenchmark.Result r) {
        ScaleBenchmark.Options o = r.options();
        System.out.printf("%s, %d of %d blocks, %s on %s%n", o.shape().id(), o.blocks(), o.shape().layers(),
                o.residency().precision().id(), o.residency().devices().stream().map(Devices::name).toList());
        System.out.printf("  parameters   %,d x %d bytes = %.2f GB%n", r.parameters(), o.residency().precision().bytes(),
                r.parameterBytes() / 1e9);
        System.out.printf("  resident     %.2f GB (%.3f of parameters x bytes)%n", r.residentBytes() / 1e9,
                (double) r.residentBytes() / r.parameterBytes());
        System.out.printf("  prefill      %.1f tokens/s (%d tokens)   decode %.2f tokens/s   fp32 matmul %.0f GFLOP/s%n",
                r.forward().prefillTokensPerSec(), r.forward().prefillTokens(), r.forward().decodeTokensPerSec(),
                r.forward().matmulGflops());
        if (r.edits().isEmpty()) {
            return;
        }
        System.out.printf("  statistics over T = %d tokens; a statistics pass holds up to %.2f GB on the device%n",
                r.statisticsTokens(), r.statisticsPassBytes() / 1e9);
        System.out.printf("  %-10s %-22s %11s %13s %8s %10s %9s%n", "method", "layers", "statistics", "optimisation",
                "solve", "projector", "total s");
        for (ScaleBenchmark.EditTiming e : r.edits()) {
            System.out.printf("  %-10s %-22s %11.1f %13.1f %8.1f %10.1f %9.1f%n", e.method(),
                    Arrays.toString(e.layers().toArray()), e.statisticsSeconds(), e.optimisationSeconds(),
                    e.solveSeconds(), e.projectorSeconds(), e.totalSeconds());
        }
        r.edits().stream().filter(e -> e.note() != null).forEach(e -> System.out.println("  " + e.method() + ": "
                + e.note()));
    }
}
