package dev.amend.evaluators.bench;

import dev.amend.demo.corpus.Fact;
import dev.amend.demo.corpus.FactCorpus;
import dev.amend.demo.corpus.Relation;
import dev.amend.evaluators.CounterFactEvaluator;
import dev.amend.evaluators.EasyEditEvaluator;
import dev.amend.evaluators.ExactMatchEvaluator;
import dev.amend.kit.WeightSnapshot;
import dev.amend.spi.Editor;
import dev.amend.spi.Evaluator;
import dev.amend.spi.InvalidRequestException;
import dev.amend.spi.edit.Edit;
import dev.amend.spi.edit.EditContext;
import dev.amend.spi.edit.EditRequest;
import dev.amend.spi.edit.EvaluationCase;
import dev.amend.spi.edit.Score;
import dev.amend.spi.model.EditableModel;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * The CounterFact-style benchmark on the demo corpus: facts drawn with a seed, each rewritten to another
 * object of its relation; generalisation on the relation's held-out templates; specificity on other
 * subjects of the same relation. Three ways to apply the edits: one at a time on the unedited model
 * ({@code individual}), all in one call ({@code batch}), or accumulated one batch after another
 * ({@code sequential}, with scores after every checkpoint).
 */
public final class CounterFactBench {

    /** How edits are applied. */
    public enum Mode {
        /** Each edit alone on the unedited model, scored, then rolled back. */
        INDIVIDUAL,
        /** All requests in one call of the editor. */
        BATCH,
        /** Batches applied one after another; the model keeps every earlier edit. */
        SEQUENTIAL;

        /** Returns the lower-case name. */
        public String id() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * Settings.
     *
     * @param edits           number of facts to rewrite
     * @param seed            seed of the draw and of the editors
     * @param mode            how edits are applied
     * @param batchSize       requests per editor call in sequential mode
     * @param checkpointEvery in sequential mode, score after this many edits
     * @param neighbours      neighbourhood prompts per case
     * @param fluencyCases    cases whose generations are scored for fluency (generation is the slow part)
     */
    public record Options(int edits, long seed, Mode mode, int batchSize, int checkpointEvery, int neighbours,
                          int fluencyCases) {
        /** Checks the values. */
        public Options {
            if (edits < 1 || batchSize < 1 || checkpointEvery < 1 || neighbours < 0 || fluencyCases < 0) {
                throw new InvalidRequestException("benchmark settings out of range: " + this);
            }
        }
    }

    /**
     * Scores after a number of sequential edits.
     *
     * @param edits          edits applied so far
     * @param efficacy       over the edits so far
     * @param generalization over the edits so far
     * @param specificity    over the edits so far
     * @param recentEfficacy over the edits made since the previous checkpoint only: low when new edits no longer
     *                       take, while a falling {@code efficacy} with a high {@code recentEfficacy} means that
     *                       earlier edits are being lost
     */
    public record Checkpoint(int edits, double efficacy, double generalization, double specificity,
                             double recentEfficacy) {
    }

    /**
     * The benchmark's result.
     *
     * @param method          editor name
     * @param mode            how edits were applied
     * @param edits           number of edits
     * @param scores          every score, keyed protocol/metric
     * @param secondsPerEdit  editor compute time per edit (statistics, optimisation, insertion), evaluation excluded
     * @param timings         seconds per step summed over edits: statistics, optimisation, insertion
     * @param checkpoints     sequential mode: scores after every checkpoint
     */
    public record Report(String method, Mode mode, int edits, Map<String, Double> scores, double secondsPerEdit,
                         Map<String, Double> timings, List<Checkpoint> checkpoints) {
        /** Returns the score {@code metric} of {@code protocol}, or NaN. */
        public double score(String protocol, String metric) {
            return scores.getOrDefault(protocol + "/" + metric, Double.NaN);
        }
    }

    private CounterFactBench() {
    }

    /** Returns the evaluators the benchmark reports: CounterFact probability, exact match, EasyEdit token accuracy. */
    public static List<Evaluator> standardEvaluators() {
        return List.of(new CounterFactEvaluator(), new ExactMatchEvaluator(), new EasyEditEvaluator());
    }

    /** Returns {@code n} cases drawn from {@code corpus} with {@code seed}, distinct subjects per relation. */
    public static List<EvaluationCase> cases(FactCorpus corpus, int n, int neighbours, long seed) {
        return cases(corpus, corpus.facts(), n, neighbours, seed);
    }

    /**
     * Returns {@code n} cases drawn from the facts {@code from} (e.g. the held-out part of
     * {@link dev.amend.demo.corpus.EditorSplit}) with {@code seed}; neighbourhood prompts come from the whole corpus.
     */
    public static List<EvaluationCase> cases(FactCorpus corpus, List<Fact> from, int n, int neighbours, long seed) {
        List<Fact> pool = new ArrayList<>(from);
        if (n > pool.size()) {
            throw new InvalidRequestException("the pool has " + pool.size() + " facts; asked for " + n + " edits");
        }
        Random random = new Random(seed);
        java.util.Collections.shuffle(pool, random);
        List<EvaluationCase> out = new ArrayList<>();
        Set<String> subjects = new HashSet<>();
        for (Fact f : pool) {
            if (out.size() == n) {
                break;
            }
            if (!subjects.add(f.subject())) {
                continue; // one edit per subject, so edits of one run do not overwrite each other
            }
            Relation rel = corpus.relation(f.relation());
            String newObject = corpus.counterfactualObject(f, random);
            EditRequest request = new EditRequest(rel.trainTemplates().get(0), f.subject(), " " + newObject, List.of());
            List<String> paraphrases = new ArrayList<>();
            for (String t : rel.heldoutTemplates()) {
                paraphrases.add(f.prompt(t));
            }
            Map<String, String> neighbourhood = new LinkedHashMap<>();
            for (Fact nb : corpus.neighbourhood(f, newObject, neighbours, random)) {
                neighbourhood.put(nb.prompt(rel.trainTemplates().get(0)), " " + nb.object());
            }
            out.add(new EvaluationCase(request, " " + f.object(), paraphrases, neighbourhood, Map.of(), Map.of()));
        }
        if (out.size() < n) {
            throw new InvalidRequestException("the pool has only " + out.size() + " distinct subjects; asked for "
                    + n + " edits");
        }
        return out;
    }

    /**
     * Runs the benchmark of {@code editor} (called {@code method}) on {@code model} with {@code cases}; the
     * model is back to its original weights afterwards.
     *
     * @param fluency an evaluator run on the first {@code fluencyCases} cases only; may be null
     */
    public static Report run(EditableModel model, String method, Editor editor, List<EvaluationCase> cases,
                             List<Evaluator> evaluators, Evaluator fluency, Options o, EditContext ctx) {
        List<EvaluationCase> prepared = cases;
        for (Evaluator e : evaluators) {
            prepared = e.baseline(model, prepared);
        }
        List<String> weights = new ArrayList<>();
        for (var p : model.architecture().editPoints()) {
            weights.add(p.weight());
        }
        Map<String, Double> timings = new LinkedHashMap<>();
        List<Checkpoint> checkpoints = new ArrayList<>();
        Map<String, double[]> sums = new LinkedHashMap<>();
        double editSeconds = 0;
        try (WeightSnapshot base = WeightSnapshot.of(model, weights)) {
            try {
                switch (o.mode()) {
                    case INDIVIDUAL -> {
                        for (int i = 0; i < prepared.size(); i++) {
                            ctx.checkCancelled();
                            ctx.progress().progress("edits", i, prepared.size());
                            EvaluationCase c = prepared.get(i);
                            long t = System.nanoTime();
                            Edit edit = editor.computeEdit(model, List.of(c.request()), ctx.withSeed(o.seed() + i));
                            editSeconds += (System.nanoTime() - t) / 1e9;
                            addTimings(timings, edit);
                            edit.applyTo(model);
                            List<Score> scores = evaluate(model, evaluators, List.of(c));
                            accumulate(sums, scores, 1);
                            if (Boolean.getBoolean("amend.bench.verbose")) {
                                System.err.println("case " + c.request().filledPrompt() + " ->" + c.request().target()
                                        + " (was" + c.trueTarget() + "): " + scores.stream()
                                        .filter(x -> x.protocol().equals("counterfact-probability"))
                                        .map(x -> x.metric() + "=" + String.format("%.2f", x.value())).toList());
                            }
                            if (fluency != null && i < o.fluencyCases()) {
                                accumulate(sums, fluency.evaluate(model, List.of(c)), 1);
                            }
                            base.restore();
                        }
                        ctx.progress().progress("edits", prepared.size(), prepared.size());
                    }
                    case BATCH -> {
                        long t = System.nanoTime();
                        Edit edit = editor.computeEdit(model, requests(prepared), ctx.withSeed(o.seed()));
                        editSeconds += (System.nanoTime() - t) / 1e9;
                        addTimings(timings, edit);
                        edit.applyTo(model);
                        accumulate(sums, evaluate(model, evaluators, prepared), prepared.size());
                        if (fluency != null && o.fluencyCases() > 0) {
                            List<EvaluationCase> sample = prepared.subList(0, Math.min(o.fluencyCases(), prepared.size()));
                            accumulate(sums, fluency.evaluate(model, sample), sample.size());
                        }
                    }
                    case SEQUENTIAL -> {
                        List<Edit> history = new ArrayList<>();
                        for (int from = 0; from < prepared.size(); from += o.batchSize()) {
                            ctx.checkCancelled();
                            ctx.progress().progress("edits", from, prepared.size());
                            List<EvaluationCase> batch = prepared.subList(from,
                                    Math.min(prepared.size(), from + o.batchSize()));
                            long t = System.nanoTime();
                            Edit edit = editor.computeEdit(model, requests(batch),
                                    ctx.withSeed(o.seed() + from).withHistory(history));
                            editSeconds += (System.nanoTime() - t) / 1e9;
                            addTimings(timings, edit);
                            edit.applyTo(model);
                            history.add(edit);
                            int done = from + batch.size();
                            if (Boolean.getBoolean("amend.bench.verbose")) {
                                // the edits just made, scored at once: tells an edit that never took from one lost later
                                Map<String, double[]> now = new LinkedHashMap<>();
                                accumulate(now, evaluate(model, evaluators, batch), batch.size());
                                System.err.printf(Locale.ROOT, "edit %d-%d: efficacy right after %.3f, residual left %s,"
                                                + " optimisation %s%n", from + 1, done, mean(now, "efficacy"),
                                        edit.metadata().get("mean_residual_norm_after_insertion"),
                                        edit.metadata().get("optimisation"));
                            }
                            if (done % o.checkpointEvery() == 0 || done == prepared.size()) {
                                List<EvaluationCase> seen = prepared.subList(0, done);
                                Map<String, double[]> cp = new LinkedHashMap<>();
                                accumulate(cp, evaluate(model, evaluators, seen), seen.size());
                                int previous = checkpoints.isEmpty() ? 0 : checkpoints.get(checkpoints.size() - 1).edits();
                                List<EvaluationCase> recent = prepared.subList(previous, done);
                                Map<String, double[]> rp = new LinkedHashMap<>();
                                accumulate(rp, evaluate(model, evaluators, recent), recent.size());
                                Checkpoint point = new Checkpoint(done, mean(cp, "efficacy"),
                                        mean(cp, "generalization"), mean(cp, "specificity"), mean(rp, "efficacy"));
                                checkpoints.add(point);
                                if (Boolean.getBoolean("amend.bench.verbose")) {
                                    double[] acc = cp.get("easyedit-token-accuracy/reliability");
                                    System.err.printf(Locale.ROOT, "checkpoint %d edits: efficacy %.3f, generalization"
                                                    + " %.3f, specificity %.3f, token accuracy %.3f, efficacy of the"
                                                    + " last %d edits %.3f%n", done,
                                            point.efficacy(), point.generalization(), point.specificity(),
                                            acc == null ? Double.NaN : acc[0] / acc[1], recent.size(),
                                            point.recentEfficacy());
                                }
                                if (done == prepared.size()) {
                                    sums.putAll(cp);
                                }
                            }
                        }
                        ctx.progress().progress("edits", prepared.size(), prepared.size());
                        if (fluency != null && o.fluencyCases() > 0) {
                            List<EvaluationCase> sample = prepared.subList(0, Math.min(o.fluencyCases(), prepared.size()));
                            accumulate(sums, fluency.evaluate(model, sample), sample.size());
                        }
                    }
                    default -> throw new IllegalStateException();
                }
            } finally {
                base.restore();
            }
        }
        Map<String, Double> scores = new LinkedHashMap<>();
        sums.forEach((k, v) -> scores.put(k, v[0] / v[1]));
        return new Report(method, o.mode(), prepared.size(), scores, editSeconds / prepared.size(), timings,
                checkpoints);
    }

    private static List<EditRequest> requests(List<EvaluationCase> cases) {
        List<EditRequest> r = new ArrayList<>();
        for (EvaluationCase c : cases) {
            r.add(c.request());
        }
        return r;
    }

    private static List<Score> evaluate(EditableModel model, List<Evaluator> evaluators, List<EvaluationCase> cases) {
        List<Score> out = new ArrayList<>();
        for (Evaluator e : evaluators) {
            out.addAll(e.evaluate(model, cases));
        }
        return out;
    }

    /** Adds each score weighted by {@code weight} cases into protocol/metric → [weighted sum, weight]. */
    private static void accumulate(Map<String, double[]> sums, List<Score> scores, int weight) {
        for (Score s : scores) {
            if (Double.isNaN(s.value())) {
                continue;
            }
            double[] acc = sums.computeIfAbsent(s.protocol() + "/" + s.metric(), k -> new double[2]);
            acc[0] += s.value() * weight;
            acc[1] += weight;
        }
    }

    private static double mean(Map<String, double[]> sums, String metric) {
        double[] acc = sums.get("counterfact-probability/" + metric);
        return acc == null ? Double.NaN : acc[0] / acc[1];
    }

    private static void addTimings(Map<String, Double> timings, Edit edit) {
        for (String k : List.of("seconds_statistics", "seconds_optimisation", "seconds_insertion")) {
            if (edit.metadata().get(k) instanceof Number n) {
                timings.merge(k.substring("seconds_".length()), n.doubleValue(), Double::sum);
            }
        }
    }
}
