package dev.amend.bench;

import dev.amend.demo.corpus.Fact;
import dev.amend.demo.corpus.FactCorpus;
import dev.amend.demo.corpus.Relation;
import dev.amend.runtime.editing.EditSession;
import dev.amend.runtime.editing.EditorRegistry;
import dev.amend.spi.Editor;
import dev.amend.spi.Evaluator;
import dev.amend.spi.InvalidRequestException;
import dev.amend.spi.edit.EditContext;
import dev.amend.spi.edit.EditRequest;
import dev.amend.spi.edit.EvaluationCase;
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
     * @param schedule        in sequential mode: the checkpoints, the untouched facts and the time budget
     */
    public record Options(int edits, long seed, Mode mode, int batchSize, int checkpointEvery, int neighbours,
                          int fluencyCases, SequentialSchedule schedule) {
        /** Checks the values. */
        public Options {
            if (edits < 1 || batchSize < 1 || checkpointEvery < 1 || neighbours < 0 || fluencyCases < 0) {
                throw new InvalidRequestException("benchmark settings out of range: " + this);
            }
            schedule = schedule == null ? SequentialSchedule.PLAIN : schedule;
        }

        /** Settings whose sequential runs score every {@code checkpointEvery} edits, without untouched facts. */
        public Options(int edits, long seed, Mode mode, int batchSize, int checkpointEvery, int neighbours,
                       int fluencyCases) {
            this(edits, seed, mode, batchSize, checkpointEvery, neighbours, fluencyCases, SequentialSchedule.PLAIN);
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
     * @param untouchedKept  the fraction of the untouched facts whose greedy answer is still the unedited model's
     *                       (NaN when the run has none)
     * @param editSeconds    the editor's seconds so far
     * @param storedFloats   the floats the edits so far store (deltas and adapters: what a ledger keeps)
     * @param adapterFloats  of those, the floats of adapters (what the forward pass holds besides the weights)
     */
    public record Checkpoint(int edits, double efficacy, double generalization, double specificity,
                             double recentEfficacy, double untouchedKept, double editSeconds, long storedFloats,
                             long adapterFloats) {
        /** A checkpoint without untouched facts, time or sizes. */
        public Checkpoint(int edits, double efficacy, double generalization, double specificity,
                          double recentEfficacy) {
            this(edits, efficacy, generalization, specificity, recentEfficacy, Double.NaN, Double.NaN, 0, 0);
        }
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
     * @param stoppedAt       sequential mode: the edits after which the time budget stopped the run, or 0
     */
    public record Report(String method, Mode mode, int edits, Map<String, Double> scores, double secondsPerEdit,
                         Map<String, Double> timings, List<Checkpoint> checkpoints, int stoppedAt) {
        /** A report of a run that was not stopped early. */
        public Report(String method, Mode mode, int edits, Map<String, Double> scores, double secondsPerEdit,
                      Map<String, Double> timings, List<Checkpoint> checkpoints) {
            this(method, mode, edits, scores, secondsPerEdit, timings, checkpoints, 0);
        }

        /** Returns the score {@code metric} of {@code protocol}, or NaN. */
        public double score(String protocol, String metric) {
            return scores.getOrDefault(protocol + "/" + metric, Double.NaN);
        }
    }

    private CounterFactBench() {
    }

    /** The evaluators {@code bench counterfact} reports: the pipeline's defaults and {@code generation-match}. */
    public static final List<String> BENCH_EVALUATORS = java.util.stream.Stream.concat(
            EditSession.DEFAULT_EVALUATORS.stream(), java.util.stream.Stream.of("generation-match")).toList();

    /**
     * Returns the pipeline's default evaluators ({@link EditSession#DEFAULT_EVALUATORS}: CounterFact probability,
     * exact match, EasyEdit token accuracy) from the class path, as the editors' tests score with them.
     */
    public static List<Evaluator> standardEvaluators() {
        return EditorRegistry.classPath().createEvaluators(EditSession.DEFAULT_EVALUATORS);
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
        return cases(corpus, from, n, neighbours, seed, false);
    }

    /**
     * Returns the cases as {@link #cases(FactCorpus, List, int, int, long)} does; with {@code sequential}, no
     * neighbourhood prompt names a subject the cases themselves edit: after a run of sequential edits those facts
     * are meant to have changed (on the demo corpus's 1,747 subjects, 1,000 edits rewrite 57% of them), so they
     * would count the run's own edits as damage. The draw is the same otherwise.
     */
    public static List<EvaluationCase> cases(FactCorpus corpus, List<Fact> from, int n, int neighbours, long seed,
                                             boolean sequential) {
        List<Fact> pool = new ArrayList<>(from);
        if (n > pool.size()) {
            throw new InvalidRequestException("the pool has " + pool.size() + " facts; asked for " + n + " edits");
        }
        Random random = new Random(seed);
        java.util.Collections.shuffle(pool, random);
        List<Fact> drawn = new ArrayList<>();
        Set<String> subjects = new HashSet<>();
        for (Fact f : pool) {
            if (drawn.size() == n) {
                break;
            }
            if (subjects.add(f.subject())) {
                drawn.add(f); // one edit per subject, so edits of one run do not overwrite each other
            }
        }
        if (drawn.size() < n) {
            throw new InvalidRequestException("the pool has only " + drawn.size() + " distinct subjects; asked for "
                    + n + " edits (draw from a larger split, e.g. --split untuned, or ask for fewer edits)");
        }
        Set<String> spare = sequential ? subjects : Set.of();
        List<EvaluationCase> out = new ArrayList<>();
        for (Fact f : drawn) {
            Relation rel = corpus.relation(f.relation());
            String newObject = corpus.counterfactualObject(f, random);
            EditRequest request = new EditRequest(rel.trainTemplates().get(0), f.subject(), " " + newObject, List.of());
            List<String> paraphrases = new ArrayList<>();
            for (String t : rel.heldoutTemplates()) {
                paraphrases.add(f.prompt(t));
            }
            Map<String, String> neighbourhood = new LinkedHashMap<>();
            for (Fact nb : corpus.neighbourhood(f, newObject, neighbours, random, spare)) {
                neighbourhood.put(nb.prompt(rel.trainTemplates().get(0)), " " + nb.object());
            }
            out.add(new EvaluationCase(request, " " + f.object(), paraphrases, neighbourhood, Map.of(), Map.of()));
        }
        return out;
    }

    /**
     * Returns the prompts (each relation's first training template) of {@code n} facts of {@code corpus}, drawn with
     * {@code seed}, whose subjects none of {@code cases} edits: the untouched facts whose greedy answers a sequential
     * run compares with the unedited model's.
     */
    public static List<String> untouched(FactCorpus corpus, List<EvaluationCase> cases, int n, long seed) {
        Set<String> edited = new HashSet<>();
        cases.forEach(c -> edited.add(c.request().subject()));
        List<Fact> pool = new ArrayList<>(corpus.facts());
        java.util.Collections.shuffle(pool, new Random(seed ^ 0x5DEECE66DL));
        List<String> out = new ArrayList<>();
        for (Fact f : pool) {
            if (out.size() == n) {
                break;
            }
            if (!edited.contains(f.subject())) {
                out.add(f.prompt(corpus.relation(f.relation()).trainTemplates().get(0)));
            }
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
        CounterFactRun run = new CounterFactRun(new EditSession(model, editor, evaluators), fluency, o, ctx);
        List<EvaluationCase> prepared = run.session().baseline(cases);
        switch (o.mode()) {
            case INDIVIDUAL -> run.individual(prepared);
            case BATCH -> run.batch(prepared);
            case SEQUENTIAL -> run.sequential(prepared);
            default -> throw new IllegalStateException();
        }
        return run.report(method, prepared.size());
    }
}
