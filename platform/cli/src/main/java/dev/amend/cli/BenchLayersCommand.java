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
import dev.amend.spi.InvalidRequestException;
import dev.amend.spi.edit.EditContext;
import dev.amend.spi.edit.EvaluationCase;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code amend bench layers}: the CounterFact benchmark once per edit layer, to check a layer choice. */
@Command(name = "layers", mixinStandardHelpOptions = true,
        description = "Rewrite N demo-corpus facts with a one-layer method at every layer in turn (individual edits)"
                + " and print efficacy, generalisation and specificity per layer; with --chosen, how far the chosen"
                + " layer's efficacy is from the best.")
final class BenchLayersCommand implements Callable<Integer> {
    @Mixin
    ModelOptions modelOptions;

    @Mixin
    CorpusOptions corpusOptions;

    @Mixin
    PluginOptions pluginOptions;

    @Option(names = "--method", defaultValue = "rome", description = "A one-layer method (default ${DEFAULT-VALUE}).")
    String method;

    @Option(names = "--edits", defaultValue = "100", description = "Facts to rewrite per layer (default ${DEFAULT-VALUE}).")
    int edits;

    @Option(names = "--seed", defaultValue = "2", description = "Seed of the draw and the edits (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--facts", defaultValue = "heldout", description = "all or heldout (default ${DEFAULT-VALUE}).")
    String facts;

    @Option(names = "--layers", split = ",", description = "Layers to try (default: every layer).")
    List<Integer> layers;

    @Option(names = "--hparams", paramLabel = "FILE", description = "Base hyperparameters; each run overrides layers.")
    Path hparams;

    @Option(names = "--chosen", paramLabel = "FILE", description = "A hyperparameter file (e.g. locate-layers' rome.yaml)"
            + " whose layer is compared with the best.")
    Path chosen;

    @Option(names = "--neighbours", defaultValue = "5", description = "Neighbourhood prompts per case.")
    int neighbours;

    @Option(names = "--json", description = "Print one JSON object.")
    boolean json;

    @Override
    public Integer call() {
        if (!facts.equals("all") && !facts.equals("heldout")) {
            throw new InvalidRequestException("--facts must be all or heldout, not \"" + facts + "\"");
        }
        Map<String, Object> base = hparams == null ? Map.of() : HyperparameterFiles.read(hparams);
        Integer chosenLayer = chosen == null ? null : firstLayer(HyperparameterFiles.read(chosen).get("layers"));
        try (PluginCatalog plugins = pluginOptions.open(); Transformer model = modelOptions.load()) {
            EditorRegistry registry = plugins.registry();
            FactCorpus corpus = FactCorpus.load();
            List<EvaluationCase> cases = CounterFactBench.cases(corpus,
                    facts.equals("heldout") ? EditorSplit.HELDOUT.facts(corpus) : corpus.facts(), edits, neighbours, seed);
            List<Integer> tried = layers != null ? layers
                    : java.util.stream.IntStream.range(0, model.architecture().layers()).boxed().toList();
            List<Map<String, Object>> rows = new ArrayList<>();
            for (int layer : tried) {
                Map<String, Object> values = new LinkedHashMap<>(base);
                values.put("layers", List.of(layer));
                EditorRegistry.Configured editor = registry.configure(method, model.architecture(), values,
                        (hparams == null ? "defaults" : hparams.toString()) + " with layers [" + layer + "]");
                EditContext ctx = new EditContext(seed, new ProgressBar(json), () -> false, AmendDirs.cache(),
                        corpusOptions.resolve(model), List.of());
                CounterFactBench.Report r = CounterFactBench.run(model, method, editor.editor(), cases,
                        registry.createEvaluators(EditSession.DEFAULT_EVALUATORS), null,
                        new CounterFactBench.Options(edits, seed, CounterFactBench.Mode.INDIVIDUAL, 1, edits, neighbours,
                                0), ctx);
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("layer", layer);
                row.put("efficacy", r.score("counterfact-probability", "efficacy"));
                row.put("generalization", r.score("counterfact-probability", "generalization"));
                row.put("specificity", r.score("counterfact-probability", "specificity"));
                row.put("seconds_per_edit", r.secondsPerEdit());
                rows.add(row);
            }
            report(rows, chosenLayer, model.name());
        }
        return 0;
    }

    private void report(List<Map<String, Object>> rows, Integer chosenLayer, String modelName) {
        Map<String, Object> best = rows.get(0);
        for (Map<String, Object> r : rows) {
            best = (double) r.get("efficacy") > (double) best.get("efficacy") ? r : best;
        }
        Map<String, Object> picked = null;
        for (Map<String, Object> r : rows) {
            picked = r.get("layer").equals(chosenLayer) ? r : picked;
        }
        Double gap = picked == null ? null : 100 * ((double) best.get("efficacy") - (double) picked.get("efficacy"));
        if (json) {
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("method", method);
            o.put("edits", edits);
            o.put("seed", seed);
            o.put("facts", facts);
            o.put("layers", rows);
            o.put("best_layer", best.get("layer"));
            o.put("chosen_layer", chosenLayer);
            o.put("chosen_gap_points", gap);
            System.out.println(Json.of(o));
            return;
        }
        System.out.printf("%s on %s, %d %s facts per layer, seed %d%n", method, modelName, edits, facts, seed);
        System.out.printf("%6s %9s %15s %12s %10s%n", "layer", "efficacy", "generalization", "specificity", "s/edit");
        for (Map<String, Object> r : rows) {
            System.out.printf(Locale.ROOT, "%6d %9.3f %15.3f %12.3f %10.2f%s%n", r.get("layer"), r.get("efficacy"),
                    r.get("generalization"), r.get("specificity"), r.get("seconds_per_edit"),
                    (r == best ? "  best" : "") + (r == picked ? "  chosen" : ""));
        }
        if (chosenLayer != null) {
            System.out.println(gap == null ? "the chosen layer " + chosenLayer + " was not among the layers tried"
                    : String.format(Locale.ROOT, "chosen layer %d: efficacy %.1f points below the best (layer %s)",
                    chosenLayer, gap, best.get("layer")));
        }
    }

    private static Integer firstLayer(Object layers) {
        if (layers instanceof List<?> l && !l.isEmpty() && l.get(0) instanceof Number n) {
            return n.intValue();
        }
        throw new InvalidRequestException("the --chosen file has no layers list");
    }
}
