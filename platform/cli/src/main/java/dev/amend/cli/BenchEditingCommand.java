package dev.amend.cli;

import dev.amend.kit.DeltaOptimizer;
import dev.amend.kit.DistributedInsertion;
import dev.amend.kit.LayerStatistics;
import dev.amend.kit.Locators;
import dev.amend.kit.ValueTargets;
import dev.amend.runtime.bench.ForwardBenchmark;
import dev.amend.runtime.bench.MatmulReference;
import dev.amend.runtime.editing.EditorRegistry;
import dev.amend.runtime.model.Transformer;
import dev.amend.runtime.model.TransformerConfig;
import dev.amend.runtime.plugins.PluginCatalog;
import dev.amend.spi.ProgressListener;
import dev.amend.spi.edit.Edit;
import dev.amend.spi.edit.EditContext;
import dev.amend.spi.edit.EditRequest;
import dev.amend.spi.edit.TextCorpus;
import dev.amend.spi.model.ForwardRequest;
import dev.amend.spi.model.ForwardResult;
import dev.amend.spi.model.Site;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code amend bench editing}: where an edit's time goes. Statistics (uncached and cached) beside plain
 * prefill throughput, the value optimisation with and without reusing the layers below the edit
 * (achieved GFLOP/s against a matmul measured in the same run), and each method's time per edit.
 */
@Command(name = "editing", mixinStandardHelpOptions = true,
        description = "Timing of statistics, delta optimisation and insertion, with ratios to a matmul.")
final class BenchEditingCommand implements Callable<Integer> {
    @Mixin
    ModelOptions modelOptions;

    @Mixin
    CorpusOptions corpusOptions;

    @Mixin
    PluginOptions pluginOptions;

    @Option(names = "--methods", split = ",", defaultValue = "rome,memit,alphaedit", description = "Methods to time.")
    List<String> methods;

    @Option(names = "--tokens", defaultValue = "100000", description = "Statistics sample in tokens.")
    long tokens;

    @Option(names = "--json", description = "Print one JSON object.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        Map<String, Object> out = new LinkedHashMap<>();
        try (PluginCatalog plugins = pluginOptions.open(); Transformer model = modelOptions.load()) {
            EditorRegistry registry = plugins.registry();
            TextCorpus corpus = corpusOptions.resolve(model);
            double matmul = MatmulReference.gflops(model.manager(), 1024, 7);
            out.put("model", model.name());
            out.put("matmul_gflops", matmul);

            // statistics against plain prefill of the same text
            Path fresh = Files.createTempDirectory("amend-bench-stats");
            List<Integer> layers = List.of(1, 2, 3);
            long s0 = System.nanoTime();
            Map<Integer, LayerStatistics.Moment> stats = LayerStatistics.collect(model, layers, corpus, tokens, fresh,
                    ProgressListener.NONE);
            double uncached = (System.nanoTime() - s0) / 1e9;
            long s1 = System.nanoTime();
            LayerStatistics.collect(model, layers, corpus, tokens, fresh, ProgressListener.NONE);
            double cached = (System.nanoTime() - s1) / 1e9;
            long counted = stats.values().iterator().next().tokens();
            double prefill = prefillTokensPerSecond(model, 128, 8, 20);
            Map<String, Object> st = new LinkedHashMap<>();
            st.put("layers", layers);
            st.put("tokens", counted);
            st.put("uncached_seconds", uncached);
            st.put("cached_seconds", cached);
            st.put("tokens_per_second", counted / uncached);
            st.put("prefill_tokens_per_second", prefill);
            out.put("statistics", st);

            // value optimisation: the layers below reused or rerun
            EditRequest request = EditRequest.of("The capital of {} is", "France", " Rome");
            List<String> templates = DistributedInsertion.templates(model, List.of(List.of(5, 5), List.of(10, 5)), 1);
            int layer = 2;
            DeltaOptimizer.Problem problem = ValueTargets.problem(model, request, templates, Locators.SUBJECT_LAST,
                    layer, Site.MLP_OUTPUT);
            DeltaOptimizer.Settings settings = new DeltaOptimizer.Settings(25, 0.5, 0.5, 4, 0.0625, 0);
            DeltaOptimizer.optimise(model, problem, settings, true); // warm-up
            DeltaOptimizer.Outcome reused = DeltaOptimizer.optimise(model, problem, settings, true);
            DeltaOptimizer.Outcome rerun = DeltaOptimizer.optimise(model, problem, settings, false);
            double flops = optimisationFlops(model.config(), problem, layer, reused.steps());
            Map<String, Object> opt = new LinkedHashMap<>();
            opt.put("rows", problem.rows().size());
            opt.put("steps", reused.steps());
            opt.put("seconds_reusing_lower_layers", reused.seconds());
            opt.put("seconds_rerunning_all_layers", rerun.seconds());
            opt.put("speedup_from_reuse", rerun.seconds() / reused.seconds());
            opt.put("gflops", flops / reused.seconds() / 1e9);
            opt.put("ratio_to_matmul", flops / reused.seconds() / 1e9 / matmul);
            out.put("delta_optimisation", opt);

            // each method, statistics cached (as after the first edit)
            List<Map<String, Object>> perMethod = new ArrayList<>();
            for (String m : methods) {
                EditorRegistry.Configured editor = registry.configure(m, model.architecture(), Map.of(), "defaults");
                EditContext ctx = new EditContext(1, ProgressListener.NONE, () -> false, fresh, corpus, List.of());
                editor.editor().computeEdit(model, List.of(request), ctx); // statistics of its layers into the cache
                long e0 = System.nanoTime();
                Edit edit = editor.editor().computeEdit(model, List.of(request), ctx);
                double total = (System.nanoTime() - e0) / 1e9;
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("method", m);
                row.put("seconds_per_edit", total);
                for (String k : List.of("seconds_statistics", "seconds_optimisation", "seconds_insertion")) {
                    row.put(k.substring("seconds_".length()), edit.metadata().get(k));
                }
                perMethod.add(row);
            }
            out.put("methods", perMethod);
        }
        if (json) {
            System.out.println(Json.of(out));
        } else {
            @SuppressWarnings("unchecked")
            Map<String, Object> st = (Map<String, Object>) out.get("statistics");
            @SuppressWarnings("unchecked")
            Map<String, Object> opt = (Map<String, Object>) out.get("delta_optimisation");
            System.out.printf("model %s, fp32 matmul 1024x1024: %.1f GFLOP/s%n%n", out.get("model"), out.get("matmul_gflops"));
            System.out.printf("statistics, layers %s, %s tokens: %.2f s uncached (%.0f tokens/s; plain prefill %.0f"
                            + " tokens/s), %.3f s cached%n", st.get("layers"), st.get("tokens"), st.get("uncached_seconds"),
                    st.get("tokens_per_second"), st.get("prefill_tokens_per_second"), st.get("cached_seconds"));
            System.out.printf("delta optimisation, %s rows, %s steps: %.3f s reusing the lower layers, %.3f s rerunning"
                            + " them (x%.2f); %.1f GFLOP/s = %.0f%% of the matmul%n%n", opt.get("rows"), opt.get("steps"),
                    opt.get("seconds_reusing_lower_layers"), opt.get("seconds_rerunning_all_layers"),
                    opt.get("speedup_from_reuse"), opt.get("gflops"), 100 * (Double) opt.get("ratio_to_matmul"));
            System.out.printf("%-10s %10s %12s %14s %11s%n", "method", "s/edit", "statistics", "optimisation",
                    "insertion");
            @SuppressWarnings("unchecked")
            List<Map<String, Object>> rows = (List<Map<String, Object>>) out.get("methods");
            for (Map<String, Object> r : rows) {
                System.out.printf("%-10s %10.2f %12.3f %14.3f %11.3f%n", r.get("method"), r.get("seconds_per_edit"),
                        r.get("statistics"), r.get("optimisation"), r.get("insertion"));
            }
        }
        return 0;
    }

    private static double prefillTokensPerSecond(Transformer model, int length, int batch, int repeats) {
        List<int[]> rows = new ArrayList<>();
        java.util.SplittableRandom r = new java.util.SplittableRandom(3);
        for (int b = 0; b < batch; b++) {
            rows.add(r.ints(length, 0, model.architecture().vocabSize()).toArray());
        }
        try (ForwardResult warm = model.forward(ForwardRequest.of(rows))) {
            warm.logits().get(0).get(0).toFloatArray();
        }
        long t0 = System.nanoTime();
        for (int i = 0; i < repeats; i++) {
            try (ForwardResult res = model.forward(ForwardRequest.of(rows))) {
                res.logits().get(0).get(0).toFloatArray();
            }
        }
        return (double) length * batch * repeats / ((System.nanoTime() - t0) / 1e9);
    }

    /** Returns the FLOPs of the optimisation: forward and backward (≈ 2× forward) of the blocks from {@code layer}. */
    private static double optimisationFlops(TransformerConfig c, DeltaOptimizer.Problem problem, int layer, int steps) {
        int t = 0;
        for (DeltaOptimizer.Row row : problem.rows()) {
            t = Math.max(t, row.tokens().length);
        }
        int b = problem.rows().size();
        double all = ForwardBenchmark.forwardFlops(c, b, t);
        double head = 2.0 * b * t * c.hiddenSize() * c.vocabSize();
        double blocks = (all - head) * (c.layers() - layer) / c.layers();
        return 3 * (blocks + head) * steps;
    }
}
