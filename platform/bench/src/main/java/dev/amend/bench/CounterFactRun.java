package dev.amend.bench;

import dev.amend.bench.CounterFactBench.Checkpoint;
import dev.amend.bench.CounterFactBench.Options;
import dev.amend.bench.CounterFactBench.Report;
import dev.amend.runtime.editing.AppliedEdits;
import dev.amend.runtime.editing.Answers;
import dev.amend.runtime.editing.ComputedEdit;
import dev.amend.runtime.editing.EditSession;
import dev.amend.runtime.editing.EditTimings;
import dev.amend.spi.Evaluator;
import dev.amend.spi.edit.Edit;
import dev.amend.spi.edit.EditContext;
import dev.amend.spi.edit.EditRequest;
import dev.amend.spi.edit.EvaluationCase;
import dev.amend.spi.edit.Score;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** One run of {@link CounterFactBench}: the three ways to apply the edits, and the sums they accumulate. */
final class CounterFactRun {
    private static final boolean VERBOSE = Boolean.getBoolean("amend.bench.verbose");

    private final EditSession session;
    private final Evaluator fluency;
    private final Options o;
    private final EditContext ctx;
    private final Map<String, Double> timings = new LinkedHashMap<>();
    private final List<Checkpoint> checkpoints = new ArrayList<>();
    private final Map<String, double[]> sums = new LinkedHashMap<>();
    private double editSeconds;
    private long storedFloats;
    private long adapterFloats;
    private int stoppedAt;
    private Map<String, double[]> lastCheckpoint = Map.of();

    CounterFactRun(EditSession session, Evaluator fluency, Options o, EditContext ctx) {
        this.session = session;
        this.fluency = fluency;
        this.o = o;
        this.ctx = ctx;
    }

    /** Returns the session the run edits and scores through. */
    EditSession session() {
        return session;
    }

    /** Each case alone on the unedited model: edit, score, restore. */
    void individual(List<EvaluationCase> prepared) {
        for (int i = 0; i < prepared.size(); i++) {
            ctx.checkCancelled();
            ctx.progress().progress("edits", i, prepared.size());
            EvaluationCase c = prepared.get(i);
            Edit edit = compute(List.of(c), ctx.withSeed(o.seed() + i));
            try (AppliedEdits applied = session.apply(edit)) {
                List<Score> scores = session.score(List.of(c));
                accumulate(sums, scores, 1);
                if (VERBOSE) {
                    System.err.println("case " + c.request().filledPrompt() + " ->" + c.request().target()
                            + " (was" + c.trueTarget() + "): " + scores.stream()
                            .filter(x -> x.protocol().equals("counterfact-probability"))
                            .map(x -> x.metric() + "=" + String.format("%.2f", x.value())).toList());
                }
                if (fluency != null && i < o.fluencyCases()) {
                    accumulate(sums, fluency.evaluate(session.model(), List.of(c)), 1);
                }
            }
        }
        ctx.progress().progress("edits", prepared.size(), prepared.size());
    }

    /** All cases in one call of the editor, scored, restored. */
    void batch(List<EvaluationCase> prepared) {
        Edit edit = compute(prepared, ctx.withSeed(o.seed()));
        try (AppliedEdits applied = session.apply(edit)) {
            accumulate(sums, session.score(prepared), prepared.size());
            scoreFluency(prepared);
        }
    }

    /**
     * Batches applied one after another, each keeping the earlier ones, scored at every checkpoint of the schedule
     * (with the untouched facts' greedy answers compared with the unedited model's); stops at the first checkpoint
     * past the schedule's time budget; all restored.
     */
    void sequential(List<EvaluationCase> prepared) {
        SequentialSchedule schedule = o.schedule();
        List<String> untouchedBefore = Answers.of(session.model(), schedule.untouched());
        int reached = 0;
        try (AppliedEdits applied = session.hold(List.of())) {
            for (int from = 0; from < prepared.size(); from += o.batchSize()) {
                ctx.checkCancelled();
                ctx.progress().progress("edits", from, prepared.size());
                List<EvaluationCase> batch = prepared.subList(from, Math.min(prepared.size(), from + o.batchSize()));
                Edit edit = compute(batch, ctx.withSeed(o.seed() + from).withHistory(applied.edits()));
                applied.apply(edit);
                storedFloats += edit.storedFloats();
                edit.adapters().forEach(a -> adapterFloats += a.storedFloats());
                reached = from + batch.size();
                if (VERBOSE) {
                    // the edits just made, scored at once: tells an edit that never took from one lost later
                    Map<String, double[]> now = new LinkedHashMap<>();
                    accumulate(now, session.score(batch), batch.size());
                    System.err.printf(Locale.ROOT, "edit %d-%d: efficacy right after %.3f, residual left %s,"
                                    + " optimisation %s%n", from + 1, reached, mean(now, "efficacy"),
                            edit.metadata().get("mean_residual_norm_after_insertion"),
                            edit.metadata().get("optimisation"));
                }
                if (schedule.scoresAfter(reached, prepared.size(), o.checkpointEvery())) {
                    checkpoint(prepared, reached, schedule.untouched(), untouchedBefore);
                    if (schedule.maxEditSeconds() > 0 && editSeconds > schedule.maxEditSeconds()
                            && reached < prepared.size()) {
                        stoppedAt = reached;
                        break;
                    }
                }
            }
            sums.putAll(lastCheckpoint);
            ctx.progress().progress("edits", prepared.size(), prepared.size());
            scoreFluency(prepared.subList(0, reached));
        }
    }

    private void checkpoint(List<EvaluationCase> prepared, int done, List<String> untouched, List<String> before) {
        List<EvaluationCase> seen = prepared.subList(0, done);
        Map<String, double[]> cp = new LinkedHashMap<>();
        accumulate(cp, session.score(seen), seen.size());
        int previous = checkpoints.isEmpty() ? 0 : checkpoints.get(checkpoints.size() - 1).edits();
        List<EvaluationCase> recent = prepared.subList(previous, done);
        Map<String, double[]> rp = new LinkedHashMap<>();
        accumulate(rp, session.score(recent), recent.size());
        double kept = Double.NaN;
        if (!untouched.isEmpty()) {
            List<String> now = Answers.of(session.model(), untouched);
            kept = java.util.stream.IntStream.range(0, now.size()).filter(i -> now.get(i).equals(before.get(i)))
                    .count() / (double) now.size();
        }
        Checkpoint point = new Checkpoint(done, mean(cp, "efficacy"), mean(cp, "generalization"),
                mean(cp, "specificity"), mean(rp, "efficacy"), kept, editSeconds, storedFloats, adapterFloats);
        checkpoints.add(point);
        if (VERBOSE) {
            double[] acc = cp.get("easyedit-token-accuracy/reliability");
            System.err.printf(Locale.ROOT, "checkpoint %d edits: efficacy %.3f, generalization %.3f, specificity"
                            + " %.3f, token accuracy %.3f, efficacy of the last %d edits %.3f, untouched kept %.3f%n",
                    done, point.efficacy(), point.generalization(), point.specificity(),
                    acc == null ? Double.NaN : acc[0] / acc[1], recent.size(), point.recentEfficacy(), kept);
        }
        lastCheckpoint = cp;
    }

    private void scoreFluency(List<EvaluationCase> prepared) {
        if (fluency != null && o.fluencyCases() > 0) {
            List<EvaluationCase> sample = prepared.subList(0, Math.min(o.fluencyCases(), prepared.size()));
            accumulate(sums, fluency.evaluate(session.model(), sample), sample.size());
        }
    }

    private Edit compute(List<EvaluationCase> cases, EditContext context) {
        List<EditRequest> requests = cases.stream().map(EvaluationCase::request).toList();
        ComputedEdit computed = session.compute(requests, context);
        editSeconds += computed.seconds();
        EditTimings.of(computed.edit()).forEach((k, v) -> timings.merge(k, v, Double::sum));
        return computed.edit();
    }

    /** Returns the report of the run over {@code edits} cases. */
    Report report(String method, int edits) {
        Map<String, Double> scores = new LinkedHashMap<>();
        sums.forEach((k, v) -> scores.put(k, v[0] / v[1]));
        int made = stoppedAt > 0 ? stoppedAt : edits;
        return new Report(method, o.mode(), made, scores, editSeconds / made, timings, checkpoints, stoppedAt);
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
}
