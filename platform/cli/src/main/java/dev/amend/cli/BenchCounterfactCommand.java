package dev.amend.cli;

import dev.amend.bench.BenchSplit;
import dev.amend.bench.CheckpointPlot;
import dev.amend.bench.CounterFactBench;
import dev.amend.bench.SequentialSchedule;
import dev.amend.bench.Unedited;
import dev.amend.demo.corpus.FactCorpus;
import dev.amend.runtime.editing.EditorRegistry;
import dev.amend.runtime.editing.HyperparameterFiles;
import dev.amend.runtime.io.AmendDirs;
import dev.amend.runtime.model.Transformer;
import dev.amend.runtime.plugins.PluginCatalog;
import dev.amend.spi.Editor;
import dev.amend.spi.Evaluator;
import dev.amend.spi.InvalidRequestException;
import dev.amend.spi.edit.EditContext;
import dev.amend.spi.edit.EvaluationCase;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code amend bench counterfact}: the CounterFact-style benchmark on the demo corpus. */
@Command(name = "counterfact", mixinStandardHelpOptions = true,
        description = "Rewrite N corpus facts to counterfactual objects; efficacy, generalisation and specificity "
                + "(CounterFact protocol, and judged on greedy generation: generation-match), token accuracy (EasyEdit "
                + "protocol), fluency, timings.")
final class BenchCounterfactCommand implements Callable<Integer> {
    @Mixin
    ModelOptions modelOptions;

    @Mixin
    CorpusOptions corpusOptions;

    @Mixin
    PluginOptions pluginOptions;

    @Option(names = "--method", required = true, description = "rome, memit, alphaedit, mend, any installed method "
            + "(class path or --plugins-dir), or none: the unedited model scored on the same draw (a benchmark row only).")
    String method;

    @Option(names = "--edits", defaultValue = "100", description = "Facts to rewrite (default ${DEFAULT-VALUE}).")
    int edits;

    @Option(names = "--seed", description = "Seed of the draw and of the editor (default 1).")
    Long seed;

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

    @Option(names = "--split", paramLabel = "SPLIT", description = "Which facts to draw the edits from: all, "
            + "validation, heldout or untuned (the demo corpus's fixed split by SHA-256(subject)[0] %% 10: 0 = heldout, "
            + "never used for training or tuning, where reported figures come from; 1 = validation, where profiles are "
            + "tuned; untuned = every part but validation). "
            + "Default: heldout for mend and for sequential runs, all otherwise. Wins over --facts when both are given.")
    String split;

    @Option(names = "--facts", paramLabel = "POOL", description = "The former name of --split (all or heldout, and "
            + "validation); --split wins when both are given.")
    String facts;

    @Option(names = "--seeds", split = ",", paramLabel = "S1,S2,...", description = "Run once per seed (each its own "
            + "draw and editor seed) and report the mean and the spread (sample standard deviation, with min and max) "
            + "over the seeds. Not with --seed.")
    List<Long> seeds;

    @Option(names = "--checkpoints", split = ",", paramLabel = "N1,N2,...", description = "Sequential mode: score"
            + " after these numbers of edits instead of every --checkpoint-every.")
    List<Integer> checkpoints;

    @Option(names = "--untouched", description = "Sequential mode: untouched facts whose greedy answers are compared"
            + " with the unedited model's at each checkpoint (default 50 in sequential mode).")
    Integer untouched;

    @Option(names = "--plot", paramLabel = "FILE.png", description = "Sequential mode: draw efficacy, generalisation,"
            + " specificity and the untouched answers kept against the number of edits (with --seeds, the first"
            + " seed's run).")
    Path plot;

    @Option(names = "--json", description = "Print one JSON object.")
    boolean json;

    @Override
    public Integer call() {
        Map<String, Object> o = measure();
        if (json) {
            System.out.println(Json.of(o));
        } else {
            CounterFactText.print(o);
        }
        return 0;
    }

    /** Returns what {@code --json} prints: one run's object, or with {@code --seeds} the means, spreads and runs. */
    Map<String, Object> measure() {
        try {
            return measureRuns();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("could not write the plot " + plot + ": " + e.getMessage(), e);
        }
    }

    private Map<String, Object> measureRuns() throws java.io.IOException {
        CounterFactBench.Mode m = sequential ? CounterFactBench.Mode.SEQUENTIAL
                : mode != null ? mode
                : method.equalsIgnoreCase("rome") || method.equalsIgnoreCase("mend") ? CounterFactBench.Mode.INDIVIDUAL
                : CounterFactBench.Mode.BATCH;
        BenchSplit pool = split != null ? BenchSplit.of(split) : facts != null ? BenchSplit.of(facts)
                : method.equalsIgnoreCase("mend") || m == CounterFactBench.Mode.SEQUENTIAL ? BenchSplit.HELDOUT
                : BenchSplit.ALL;
        if (plot != null && m != CounterFactBench.Mode.SEQUENTIAL) {
            throw new InvalidRequestException("--plot draws the checkpoints of a sequential run: add --sequential");
        }
        if (split != null && facts != null && !BenchSplit.of(split).equals(BenchSplit.of(facts))) {
            System.err.println("note: --split " + split + " wins over --facts " + facts);
        }
        if (seeds != null && seed != null) {
            throw new InvalidRequestException("give either --seed or --seeds, not both");
        }
        List<Long> runSeeds = seeds != null ? seeds : List.of(seed == null ? 1L : seed);
        if (runSeeds.isEmpty()) {
            throw new InvalidRequestException("--seeds needs at least one seed");
        }
        try (PluginCatalog plugins = pluginOptions.open();
             Transformer model = PluginOptions.withKinds(plugins, modelOptions.load())) {
            EditorRegistry registry = plugins.registry();
            if (!model.name().equals("demo") && modelOptions.model != null) {
                System.err.println("note: the cases come from the demo corpus; " + model.name()
                        + " is scored on facts it may not know");
            }
            Editor editor = Unedited.is(method) ? new Unedited() : registry.configure(method, model.architecture(),
                    hparams == null ? Map.of() : HyperparameterFiles.read(hparams),
                    hparams == null ? "defaults" : hparams.toString()).editor();
            FactCorpus corpus = FactCorpus.load();
            List<Evaluator> evaluators = registry.createEvaluators(CounterFactBench.BENCH_EVALUATORS);
            Evaluator fluency = registry.evaluators().containsKey("fluency")
                    ? registry.evaluator("fluency").create() : null;
            long t0 = System.nanoTime();
            List<CounterFactBench.Report> reports = new ArrayList<>();
            for (long s : runSeeds) {
                List<EvaluationCase> cases = CounterFactBench.cases(corpus, pool.facts(corpus), edits, neighbours, s,
                        m == CounterFactBench.Mode.SEQUENTIAL);
                EditContext ctx = new EditContext(s, new ProgressBar(json), () -> false, AmendDirs.cache(),
                        Unedited.is(method) ? null : corpusOptions.resolve(model), List.of());
                SequentialSchedule schedule = new SequentialSchedule(checkpoints == null ? List.of() : checkpoints,
                        CounterFactBench.untouched(corpus, cases, m != CounterFactBench.Mode.SEQUENTIAL ? 0
                                : untouched == null ? 50 : untouched, s), 0);
                reports.add(CounterFactBench.run(model, method, editor, cases, evaluators, fluency,
                        new CounterFactBench.Options(edits, s, m, batchSize, checkpointEvery, neighbours, fluencyCases,
                                schedule), ctx));
            }
            if (plot != null) {
                CheckpointPlot.writeRun(reports.get(0).checkpoints(), plot, method + ", " + edits + " sequential edits"
                        + " (batches of " + batchSize + "), " + pool.id() + " split, seed " + runSeeds.get(0));
            }
            Map<String, Object> o = seeds == null ? CounterFactJson.run(reports.get(0), pool.id(), runSeeds.get(0))
                    : CounterFactJson.seeds(reports, pool.id(), runSeeds);
            o.put("model", model.name());
            o.put("wall_seconds", (System.nanoTime() - t0) / 1e9);
            return o;
        } catch (IllegalArgumentException e) {
            throw new InvalidRequestException(e.getMessage(), e);
        }
    }
}
