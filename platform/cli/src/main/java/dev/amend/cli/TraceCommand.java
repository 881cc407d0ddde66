package dev.amend.cli;

import dev.amend.kit.trace.CausalTrace;
import dev.amend.kit.trace.Trace;
import dev.amend.kit.trace.TraceKind;
import dev.amend.kit.trace.TraceRequest;
import dev.amend.kit.trace.TraceSettings;
import dev.amend.runtime.model.Transformer;
import dev.amend.runtime.trace.TraceHeatmaps;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code amend trace}: causal tracing of one fact, as matrices, PNG heatmaps and JSON. */
@Command(name = "trace", mixinStandardHelpOptions = true,
        description = "Causal tracing (ROME): corrupt the subject's embeddings with noise, restore one hidden state at"
                + " a time (residual stream, MLP or attention output at a layer and a token) and print how much of"
                + " the answer's probability comes back. Writes residual.png, mlp.png, attention.png and trace.json.")
final class TraceCommand implements Callable<Integer> {
    @Mixin
    ModelOptions modelOptions;

    @Option(names = "--prompt", required = true, description = "Prompt with {} for the subject, e.g. \"The capital of {} is\".")
    String prompt;

    @Option(names = "--subject", required = true, description = "The subject whose embeddings are corrupted, e.g. France.")
    String subject;

    @Option(names = "--target", description = "The answer to measure (its first token), e.g. Paris; default: the"
            + " model's own greedy answer.")
    String target;

    @Mixin
    TraceOptions traceOptions;

    @Option(names = "--seed", defaultValue = "1", description = "Seed of the noise (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--out", paramLabel = "DIR", defaultValue = "trace",
            description = "Folder for the heatmaps and trace.json (default ./${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--json", description = "Print the trace as one JSON object.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        TraceSettings settings = traceOptions.settings(seed);
        try (Transformer model = modelOptions.load()) {
            Trace trace = CausalTrace.run(model, new TraceRequest(prompt, subject, target), settings,
                    new ProgressBar(json), () -> false);
            List<Path> images = TraceHeatmaps.write(trace, out);
            Path file = out.resolve("trace.json");
            Files.writeString(file, Json.of(trace.toMap()) + "\n", StandardCharsets.UTF_8);
            if (json) {
                System.out.println(Json.of(trace.toMap()));
                return 0;
            }
            System.out.printf(Locale.ROOT, "causal trace on %s: \"%s\" -> \"%s\"%n", model.name(), trace.prompt(),
                    trace.answer());
            System.out.printf(Locale.ROOT, "  p(answer) clean %.4f, corrupted %.4f (noise sd %.4g = %.3g x %.4g,"
                    + " %d samples, seed %d, window %d); %.2f s%n", trace.cleanProbability(),
                    trace.corruptedProbability(), trace.noise(), trace.noiseMultiplier(), trace.embeddingStd(),
                    trace.samples(), trace.seed(), trace.window(), trace.seconds());
            for (TraceKind kind : TraceKind.values()) {
                System.out.println();
                TraceTable.print(System.out, kind.id() + " (indirect effect x 100)", trace.matrix(kind),
                        TraceHeatmaps.labels(trace));
            }
            System.out.println();
            System.out.println("wrote " + images.stream().map(Path::toString).toList() + " and " + file);
        }
        return 0;
    }
}
