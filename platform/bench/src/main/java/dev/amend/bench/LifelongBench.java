package dev.amend.bench;

import dev.amend.demo.corpus.FactCorpus;
import dev.amend.spi.Editor;
import dev.amend.spi.Evaluator;
import dev.amend.spi.InvalidRequestException;
import dev.amend.spi.edit.EditContext;
import dev.amend.spi.edit.EvaluationCase;
import dev.amend.spi.model.EditableModel;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The lifelong benchmark: several methods each take the same draw of facts one batch after another on the same
 * model (restored between methods), scored at the lifelong checkpoints (100, 250, 500, 1000 edits, ...) by the
 * CounterFact protocol, with the greedy answers of untouched facts compared with the unedited model's.
 */
public final class LifelongBench {

    /**
     * Settings.
     *
     * @param edits         facts each method rewrites
     * @param seed          seed of the draw and of the editors
     * @param split         the facts drawn from
     * @param batchSize     requests per editor call
     * @param checkpoints   numbers of edits to score after
     * @param untouched     untouched facts whose greedy answers are compared
     * @param neighbours    neighbourhood prompts per case
     * @param maxEditSeconds a method stops at its first checkpoint after its editor used this many seconds (0: never)
     */
    public record Settings(int edits, long seed, BenchSplit split, int batchSize, List<Integer> checkpoints,
                           int untouched, int neighbours, double maxEditSeconds) {
        /** Checks the values. */
        public Settings {
            if (edits < 1 || batchSize < 1 || untouched < 0 || neighbours < 0 || !(maxEditSeconds >= 0)) {
                throw new InvalidRequestException("lifelong settings out of range: " + this);
            }
            checkpoints = List.copyOf(checkpoints);
        }
    }

    /**
     * What a run gave.
     *
     * @param settings the settings
     * @param reports  each method's report, in the order run
     */
    public record Result(Settings settings, Map<String, CounterFactBench.Report> reports) {
    }

    private LifelongBench() {
    }

    /**
     * Runs each of {@code editors} (method name → configured editor, in order) on {@code model} over the same cases,
     * scoring with {@code evaluators}; the model is back to its weights and adapters after each method. {@code log}
     * hears one line per method when it ends.
     */
    public static Result run(EditableModel model, Map<String, Editor> editors, List<Evaluator> evaluators,
                             FactCorpus corpus, Settings s, EditContext ctx, Consumer<String> log) {
        List<EvaluationCase> cases = CounterFactBench.cases(corpus, s.split().facts(corpus), s.edits(), s.neighbours(),
                s.seed(), true);
        SequentialSchedule schedule = new SequentialSchedule(s.checkpoints(),
                CounterFactBench.untouched(corpus, cases, s.untouched(), s.seed()), s.maxEditSeconds());
        Map<String, CounterFactBench.Report> reports = new LinkedHashMap<>();
        for (Map.Entry<String, Editor> e : editors.entrySet()) {
            CounterFactBench.Options o = new CounterFactBench.Options(s.edits(), s.seed(),
                    CounterFactBench.Mode.SEQUENTIAL, s.batchSize(), Integer.MAX_VALUE, s.neighbours(), 0, schedule);
            CounterFactBench.Report r = CounterFactBench.run(model, e.getKey(), e.getValue(), cases, evaluators, null, o,
                    ctx.withSeed(s.seed()));
            reports.put(e.getKey(), r);
            log.accept(String.format(Locale.ROOT, "%s: %d edits, %.3f s per edit%s", e.getKey(), r.edits(),
                    r.secondsPerEdit(), r.stoppedAt() > 0 ? " (stopped by the time budget)" : ""));
        }
        return new Result(s, reports);
    }

    /**
     * Returns {@code lifelong.json}: {@code {"seed", "facts", "methods": {name: {"seconds_per_edit", "checkpoints":
     * [{"edits", "efficacy", "generalization", "specificity", "untouched_kept"}]}}}} (fractions of 1).
     */
    public static Map<String, Object> json(Result r) {
        Map<String, Object> methods = new LinkedHashMap<>();
        r.reports().forEach((name, report) -> methods.put(name, method(report)));
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("seed", r.settings().seed());
        o.put("facts", r.settings().split().id());
        o.put("methods", methods);
        return o;
    }

    /**
     * Returns one method's entry of {@code lifelong.json} (a mutable map): {@code {"seconds_per_edit",
     * "checkpoints"}}.
     */
    public static Map<String, Object> method(CounterFactBench.Report report) {
        List<Map<String, Object>> points = new ArrayList<>();
        for (CounterFactBench.Checkpoint c : report.checkpoints()) {
            points.add(checkpoint(c));
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("seconds_per_edit", report.secondsPerEdit());
        m.put("checkpoints", points);
        return m;
    }

    /**
     * Returns one checkpoint of {@code lifelong.json} (a mutable map): {@code {"edits", "efficacy", "generalization",
     * "specificity", "untouched_kept"}}.
     */
    public static Map<String, Object> checkpoint(CounterFactBench.Checkpoint c) {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("edits", c.edits());
        p.put("efficacy", c.efficacy());
        p.put("generalization", c.generalization());
        p.put("specificity", c.specificity());
        p.put("untouched_kept", c.untouchedKept());
        return p;
    }

    /** Returns the stored bytes an edit of {@code report}'s method adds per 100 edits (deltas and adapters), and of adapters. */
    public static double[] bytesPer100Edits(CounterFactBench.Report report) {
        List<CounterFactBench.Checkpoint> cps = report.checkpoints();
        if (cps.isEmpty()) {
            return new double[] {Double.NaN, Double.NaN};
        }
        CounterFactBench.Checkpoint last = cps.get(cps.size() - 1);
        return new double[] {400.0 * last.storedFloats() / last.edits(), 400.0 * last.adapterFloats() / last.edits()};
    }

    /** Returns the table as markdown: one row per method and checkpoint, then the notes (time, memory, stops). */
    public static String markdown(Result r, String command) {
        StringBuilder b = new StringBuilder();
        Settings s = r.settings();
        b.append(String.format(Locale.ROOT, "Lifelong editing: %d sequential edits in batches of %d, %s facts, seed %d,"
                + " %d untouched facts.%n%n", s.edits(), s.batchSize(), s.split().id(), s.seed(), s.untouched()));
        b.append("| method | edits | efficacy | generalization | specificity | untouched kept |\n");
        b.append("|---|---:|---:|---:|---:|---:|\n");
        r.reports().forEach((name, report) -> {
            for (CounterFactBench.Checkpoint c : report.checkpoints()) {
                b.append(String.format(Locale.ROOT, "| %s | %d | %.3f | %.3f | %.3f | %.3f |%n", name, c.edits(),
                        c.efficacy(), c.generalization(), c.specificity(), c.untouchedKept()));
            }
        });
        b.append(String.format("%n| method | seconds per edit | stored bytes per 100 edits | of which adapters |%n"));
        b.append("|---|---:|---:|---:|\n");
        r.reports().forEach((name, report) -> {
            double[] bytes = bytesPer100Edits(report);
            b.append(String.format(Locale.ROOT, "| %s | %.3f | %.0f | %.0f |%n", name, report.secondsPerEdit(), bytes[0],
                    bytes[1]));
        });
        r.reports().forEach((name, report) -> {
            if (report.stoppedAt() > 0) {
                b.append(String.format(Locale.ROOT, "%n%s stopped after %d edits: its editor had used more than %.0f s"
                        + " (--max-edit-seconds).%n", name, report.stoppedAt(), s.maxEditSeconds()));
            }
        });
        b.append(String.format("%nCommand: `%s`%n", command));
        return b.toString();
    }
}
