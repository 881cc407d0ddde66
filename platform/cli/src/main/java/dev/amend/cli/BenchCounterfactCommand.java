package dev.amend.cli;

import dev.amend.bench.CounterFactBench;
import dev.amend.demo.corpus.EditorSplit;
import dev.amend.demo.corpus.FactCorpus;
import dev.amend.runtime.editing.EditSession;
import dev.amend.runtime.editing.EditorRegistry;
import dev.amend.runtime.editing.HyperparameterFiles;
import dev.amend.runtime.io.AmendDirs;
import dev.amend.runtime.model.Transformer;
import dev.amend.runtime.plugins.PluginCatalog;
import dev.amend.spi.Evaluator;
import dev.amend.spi.InvalidRequestException;
import dev.amend.spi.edit.EditContext;
import dev.amend.spi.edit.EvaluationCase;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code amend bench counterfact}: the CounterFact-style benchmark on the demo corpus. */
@Command(name = "counterfact", mixinStandardHelpOptions = true,
        description = "Rewrite N corpus facts to counterfactual objects; efficacy, generalisation and specificity "
                + "(CounterFact protocol), token accuracy (EasyEdit protocol), fluency, timings.")
final class BenchCounterfactCommand implements Callable<Integer> {
    @Mixin
    ModelOptions modelOptions;

    @Mixin
    CorpusOptions corpusOptions;

    @Mixin
    PluginOptions pluginOptions;

    @Option(names = "--method", required = true, description = "rome, memit, alphaedit, mend or any installed method (class path or --plugins-dir).")
    String method;

    @Option(names = "--edits", defaultValue = "100", description = "Facts to rewrite (default ${DEFAULT-VALUE}).")
    int edits;

    @Option(names = "--seed", defaultValue = "1", description = "Seed of the draw (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--sequential", description = "Apply the edits one batch after another, keeping earlier ones.")
    boolean sequential;

    @Option(names = "--mode", description = "individual, batch or sequential (default: individual for rome, batch"
            + " otherwise; --sequential means sequential).")
    CounterFactBench.Mode mode;

    @Option(names = "--batch-size", defaultValue = "1", description = "Requests per call in sequential mode.")
    int batchSize;

    @Option(names = "--checkpoint-every", defaultValue = "100", description = "Sequential mode: score every N edits.")
    int checkpointEvery;

    @Option(names = "--neighbours", defaultValue = "5", description = "Neighbourhood prompts per case.")
    int neighbours;

    @Option(names = "--fluency-cases", defaultValue = "20", description = "Cases whose generations are scored for fluency.")
    int fluencyCases;

    @Option(names = "--hparams", paramLabel = "FILE", description = "Hyperparameters (YAML as in EasyEdit, or JSON).")
    Path hparams;

    @Option(names = "--facts", paramLabel = "POOL", description = "Which facts to draw the edits from: all, or heldout"
            + " (the demo corpus's fixed held-out part that learned editors never train on: SHA-256(subject)[0] %% 10"
            + " == 0). Default: heldout for mend, all otherwise.")
    String facts;

    @Option(names = "--json", description = "Print one JSON object.")
    boolean json;

    @Override
    public Integer call() {
        CounterFactBench.Mode m = sequential ? CounterFactBench.Mode.SEQUENTIAL
                : mode != null ? mode
                : method.equalsIgnoreCase("rome") || method.equalsIgnoreCase("mend") ? CounterFactBench.Mode.INDIVIDUAL
                : CounterFactBench.Mode.BATCH;
        String pool = facts != null ? facts.toLowerCase(java.util.Locale.ROOT)
                : method.equalsIgnoreCase("mend") ? "heldout" : "all";
        if (!pool.equals("all") && !pool.equals("heldout")) {
            throw new InvalidRequestException("--facts must be all or heldout, not \"" + facts + "\"");
        }
        try (PluginCatalog plugins = pluginOptions.open(); Transformer model = modelOptions.load()) {
            EditorRegistry registry = plugins.registry();
            if (!model.name().equals("demo") && modelOptions.model != null) {
                System.err.println("note: the cases come from the demo corpus; " + model.name()
                        + " is scored on facts it may not know");
            }
            EditorRegistry.Configured editor = registry.configure(method, model.architecture(),
                    hparams == null ? Map.of() : HyperparameterFiles.read(hparams),
                    hparams == null ? "defaults" : hparams.toString());
            FactCorpus corpus = FactCorpus.load();
            List<EvaluationCase> cases = CounterFactBench.cases(corpus,
                    pool.equals("heldout") ? EditorSplit.HELDOUT.facts(corpus) : corpus.facts(), edits, neighbours, seed);
            List<Evaluator> evaluators = registry.createEvaluators(EditSession.DEFAULT_EVALUATORS);
            Evaluator fluency = registry.evaluators().containsKey("fluency")
                    ? registry.evaluator("fluency").create() : null;
            EditContext ctx = new EditContext(seed, new ProgressBar(json), () -> false, AmendDirs.cache(),
                    corpusOptions.resolve(model), List.of());
            long t0 = System.nanoTime();
            CounterFactBench.Report r = CounterFactBench.run(model, method, editor.editor(), cases, evaluators, fluency,
                    new CounterFactBench.Options(edits, seed, m, batchSize, checkpointEvery, neighbours, fluencyCases),
                    ctx);
            double wall = (System.nanoTime() - t0) / 1e9;
            if (json) {
                Map<String, Object> o = new LinkedHashMap<>();
                o.put("method", method);
                o.put("mode", m.id());
                o.put("facts", pool);
                o.put("edits", r.edits());
                o.put("efficacy", r.score("counterfact-probability", "efficacy"));
                o.put("generalization", r.score("counterfact-probability", "generalization"));
                o.put("specificity", r.score("counterfact-probability", "specificity"));
                o.put("token_accuracy", r.score("easyedit-token-accuracy", "reliability"));
                o.put("fluency", r.score("ngram-entropy", "fluency"));
                o.put("seconds_per_edit", r.secondsPerEdit());
                o.put("scores", r.scores());
                o.put("timings", r.timings());
                List<Map<String, Object>> points = new ArrayList<>();
                for (CounterFactBench.Checkpoint c : r.checkpoints()) {
                    Map<String, Object> p = new LinkedHashMap<>();
                    p.put("edits", c.edits());
                    p.put("efficacy", c.efficacy());
                    p.put("generalization", c.generalization());
                    p.put("specificity", c.specificity());
                    p.put("recent_efficacy", c.recentEfficacy());
                    points.add(p);
                }
                o.put("checkpoints", points);
                o.put("wall_seconds", wall);
                System.out.println(Json.of(o));
            } else {
                System.out.printf("%s, %d edits (%s, %s facts) on %s, seed %d: %.1f s (%.2f s per edit)%n", method,
                        r.edits(), m.id(), pool, model.name(), seed, wall, r.secondsPerEdit());
                System.out.printf("%-48s %8s%n", "protocol/metric", "value");
                r.scores().forEach((k, v) -> System.out.printf("%-48s %8.3f%n", k, v));
                r.timings().forEach((k, v) -> System.out.printf("seconds %-40s %8.2f%n", k, v));
                if (!r.checkpoints().isEmpty()) {
                    System.out.printf("%n%8s %10s %15s %12s %16s%n", "edits", "efficacy", "generalization",
                            "specificity", "recent efficacy");
                    for (CounterFactBench.Checkpoint c : r.checkpoints()) {
                        System.out.printf("%8d %10.3f %15.3f %12.3f %16.3f%n", c.edits(), c.efficacy(),
                                c.generalization(), c.specificity(), c.recentEfficacy());
                    }
                }
            }
        } catch (IllegalArgumentException e) {
            throw new InvalidRequestException(e.getMessage(), e);
        }
        return 0;
    }
}
