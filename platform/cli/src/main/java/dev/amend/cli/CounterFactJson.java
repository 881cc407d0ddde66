package dev.amend.cli;

import dev.amend.bench.CounterFactBench;
import dev.amend.bench.SeedSpread;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The JSON object of {@code bench counterfact --json}: one run's fields, or with several seeds the means of those
 * fields with their spread ({@link SeedSpread}) and every run.
 */
final class CounterFactJson {
    /** The headline fields: JSON name → protocol/metric of the report. */
    static final Map<String, String> FIELDS = fields();

    private CounterFactJson() {
    }

    private static Map<String, String> fields() {
        Map<String, String> f = new LinkedHashMap<>();
        f.put("efficacy", "counterfact-probability/efficacy");
        f.put("generalization", "counterfact-probability/generalization");
        f.put("specificity", "counterfact-probability/specificity");
        f.put("token_accuracy", "easyedit-token-accuracy/reliability");
        f.put("fluency", "ngram-entropy/fluency");
        f.put("generation_efficacy", "generation-match/efficacy");
        f.put("generation_generalization", "generation-match/generalization");
        f.put("generation_specificity", "generation-match/specificity");
        return f;
    }

    /** Returns the headline fields and {@code seconds_per_edit} of {@code r}. */
    static Map<String, Double> headline(CounterFactBench.Report r) {
        Map<String, Double> o = new LinkedHashMap<>();
        FIELDS.forEach((name, key) -> o.put(name, r.scores().getOrDefault(key, Double.NaN)));
        o.put("seconds_per_edit", r.secondsPerEdit());
        return o;
    }

    /** Returns the object of one run: method, mode, split, edits, seed, the headline fields, scores, timings, checkpoints. */
    static Map<String, Object> run(CounterFactBench.Report r, String split, long seed) {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("method", r.method());
        o.put("mode", r.mode().id());
        o.put("facts", split);
        o.put("split", split);
        o.put("edits", r.edits());
        o.put("seed", seed);
        o.putAll(headline(r));
        o.put("scores", r.scores());
        o.put("timings", r.timings());
        o.put("checkpoints", checkpoints(r.checkpoints()));
        if (r.stoppedAt() > 0) {
            o.put("stopped_at", r.stoppedAt());
        }
        return o;
    }

    /**
     * Returns the object of several runs (one per seed): the first run's method, mode, split and edits, every headline
     * field, score and checkpoint figure as the mean over the seeds, and {@code seeds}, {@code spread} (what the
     * spread is), {@code std}, {@code min}, {@code max} (per headline field), {@code scores_std} and {@code runs}.
     */
    static Map<String, Object> seeds(List<CounterFactBench.Report> reports, String split, List<Long> seeds) {
        List<Map<String, Object>> runs = new ArrayList<>();
        for (int i = 0; i < reports.size(); i++) {
            runs.add(run(reports.get(i), split, seeds.get(i)));
        }
        Map<String, Object> o = new LinkedHashMap<>(runs.get(0));
        o.remove("seed");
        Map<String, SeedSpread> head = SeedSpread.byKey(reports.stream().map(CounterFactJson::headline).toList());
        Map<String, SeedSpread> scores = SeedSpread.byKey(reports.stream().map(CounterFactBench.Report::scores).toList());
        head.forEach((k, s) -> o.put(k, s.mean()));
        o.put("scores", means(scores));
        o.put("timings", means(SeedSpread.byKey(reports.stream().map(CounterFactBench.Report::timings).toList())));
        o.put("checkpoints", meanCheckpoints(runs));
        o.put("seeds", seeds);
        o.put("spread", SeedSpread.DEFINITION);
        o.put("std", part(head, SeedSpread::std));
        o.put("min", part(head, SeedSpread::min));
        o.put("max", part(head, SeedSpread::max));
        o.put("scores_std", part(scores, SeedSpread::std));
        o.put("runs", runs);
        return o;
    }

    /**
     * Returns each checkpoint as JSON: edits, efficacy, generalization, specificity, recent_efficacy, and
     * untouched_kept, edit_seconds, stored_bytes and adapter_bytes where measured.
     */
    static List<Map<String, Object>> checkpoints(List<CounterFactBench.Checkpoint> points) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (CounterFactBench.Checkpoint c : points) {
            Map<String, Object> p = new LinkedHashMap<>();
            p.put("edits", c.edits());
            p.put("efficacy", c.efficacy());
            p.put("generalization", c.generalization());
            p.put("specificity", c.specificity());
            p.put("recent_efficacy", c.recentEfficacy());
            if (!Double.isNaN(c.untouchedKept())) {
                p.put("untouched_kept", c.untouchedKept());
            }
            if (!Double.isNaN(c.editSeconds())) {
                p.put("edit_seconds", c.editSeconds());
                p.put("stored_bytes", 4 * c.storedFloats());
                p.put("adapter_bytes", 4 * c.adapterFloats());
            }
            out.add(p);
        }
        return out;
    }

    /** Returns each checkpoint's figures as the mean over the runs (the runs have the same checkpoints). */
    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> meanCheckpoints(List<Map<String, Object>> runs) {
        List<Map<String, Object>> first = (List<Map<String, Object>>) runs.get(0).get("checkpoints");
        List<Map<String, Object>> out = new ArrayList<>();
        for (int i = 0; i < first.size(); i++) {
            List<Map<String, Double>> at = new ArrayList<>();
            for (Map<String, Object> run : runs) {
                Map<String, Double> p = new LinkedHashMap<>();
                ((List<Map<String, Object>>) run.get("checkpoints")).get(i)
                        .forEach((k, v) -> p.put(k, ((Number) v).doubleValue()));
                at.add(p);
            }
            Map<String, Object> mean = new LinkedHashMap<>(means(SeedSpread.byKey(at)));
            mean.put("edits", first.get(i).get("edits"));
            out.add(mean);
        }
        return out;
    }

    private static Map<String, Double> means(Map<String, SeedSpread> spreads) {
        return part(spreads, SeedSpread::mean);
    }

    private static Map<String, Double> part(Map<String, SeedSpread> spreads,
                                            java.util.function.ToDoubleFunction<SeedSpread> f) {
        Map<String, Double> out = new LinkedHashMap<>();
        spreads.forEach((k, s) -> out.put(k, f.applyAsDouble(s)));
        return out;
    }
}
