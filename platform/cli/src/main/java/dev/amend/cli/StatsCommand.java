package dev.amend.cli;

import dev.amend.kit.LayerStatistics;
import dev.amend.runtime.io.AmendDirs;
import dev.amend.runtime.model.Transformer;
import dev.amend.spi.edit.TextCorpus;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code amend stats}: collect (or read from the cache) the key statistics of chosen layers. */
@Command(name = "stats", mixinStandardHelpOptions = true,
        description = "Layer statistics E[k kᵀ] of the MLP keys, cached on disk per model, layer, corpus and size.")
final class StatsCommand implements Callable<Integer> {
    @Mixin
    ModelOptions modelOptions;

    @Mixin
    CorpusOptions corpusOptions;

    @Option(names = "--layers", required = true, split = ",", description = "Layers, e.g. 2,3.")
    List<Integer> layers;

    @Option(names = "--tokens", paramLabel = "N",
            description = "Sample size in tokens (default 100000 when --texts is not given).")
    Long tokens;

    @Option(names = "--texts", paramLabel = "N",
            description = "Sample the first N texts, each cut to the context, as the editors' mom2_n_samples does "
                    + "(with --tokens, whichever bound is reached first).")
    Long texts;

    @Option(names = "--json", description = "Print one JSON object.")
    boolean json;

    @Override
    public Integer call() {
        try (Transformer model = modelOptions.load()) {
            TextCorpus corpus = corpusOptions.resolve(model);
            LayerStatistics.Sample sample = sample();
            long t0 = System.nanoTime();
            Map<Integer, LayerStatistics.Moment> stats = LayerStatistics.collect(model, layers, corpus, sample,
                    AmendDirs.cache(), new ProgressBar(json));
            LayerStatistics.Drawn drawn = LayerStatistics.draw(model, corpus, sample);
            double sec = (System.nanoTime() - t0) / 1e9;
            List<Map<String, Object>> rows = new ArrayList<>();
            for (LayerStatistics.Moment m : stats.values()) {
                double trace = 0;
                for (int i = 0; i < m.dim(); i++) {
                    trace += m.secondMoment()[i * m.dim() + i];
                }
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("layer", m.layer());
                row.put("dim", m.dim());
                row.put("tokens", m.tokens());
                row.put("texts", drawn.texts());
                row.put("trace", trace);
                row.put("cached", m.fromCache());
                row.put("file", LayerStatistics.cacheFile(AmendDirs.cache(), model, m.layer(), corpus, drawn)
                        .toString());
                rows.add(row);
            }
            long counted = stats.values().stream().filter(m -> !m.fromCache()).mapToLong(LayerStatistics.Moment::tokens)
                    .findFirst().orElse(0);
            if (json) {
                Map<String, Object> o = new LinkedHashMap<>();
                o.put("model", model.name());
                o.put("corpus", corpus.name());
                o.put("seconds", sec);
                o.put("tokens_per_second", counted == 0 ? null : counted / sec);
                o.put("layers", rows);
                System.out.println(Json.of(o));
            } else {
                System.out.printf("%s, corpus %s: %.1f s%s%n", model.name(), corpus.name(), sec,
                        counted == 0 ? " (all from the cache)" : String.format(" (%.0f tokens/s)", counted / sec));
                for (Map<String, Object> r : rows) {
                    System.out.printf("  layer %-3s d_ff %-6s texts %-6s tokens %-8s trace %10.4f %s%n  %s%n",
                            r.get("layer"), r.get("dim"), r.get("texts"), r.get("tokens"), (Double) r.get("trace"),
                            Boolean.TRUE.equals(r.get("cached")) ? "cached" : "computed", r.get("file"));
                }
            }
        }
        return 0;
    }

    /** Returns the sample the options name: texts, tokens, both, or 100,000 tokens when neither is given. */
    private LayerStatistics.Sample sample() {
        if (texts == null) {
            return LayerStatistics.Sample.tokens(tokens == null ? 100_000 : tokens);
        }
        return tokens == null ? LayerStatistics.Sample.texts(texts) : new LayerStatistics.Sample(texts, tokens);
    }
}
