package dev.amend.server.api;

import dev.amend.kit.trace.Trace;
import dev.amend.kit.trace.TraceKind;
import dev.amend.runtime.editing.EditFact;
import dev.amend.runtime.editing.EditNotes;
import dev.amend.runtime.ledger.LedgerEntry;
import dev.amend.runtime.ledger.PatchImport;
import dev.amend.runtime.trace.TraceHeatmaps;
import dev.amend.server.api.ApiTypes.DeltaView;
import dev.amend.server.api.ApiTypes.EditAnswer;
import dev.amend.server.api.ApiTypes.EditView;
import dev.amend.server.api.ApiTypes.JobView;
import dev.amend.server.api.ApiTypes.PatchImportAnswer;
import dev.amend.server.api.ApiTypes.RequestView;
import dev.amend.server.api.ApiTypes.RollbackAnswer;
import dev.amend.server.api.ApiTypes.ScoreView;
import dev.amend.server.api.ApiTypes.TraceJobView;
import dev.amend.server.api.ApiTypes.TraceView;
import dev.amend.server.editing.DeltaSummary;
import dev.amend.server.editing.EditOrder;
import dev.amend.server.editing.EditOutcome;
import dev.amend.server.editing.RecordedEdit;
import dev.amend.server.editing.RollbackOutcome;
import dev.amend.server.jobs.Job;
import dev.amend.spi.edit.Edit;
import dev.amend.spi.edit.Score;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Turns the host's objects into the REST API's views. */
public final class Views {
    private Views() {
    }

    /** Returns the edit order for a REST body; {@code key} is its {@code Idempotency-Key} header (may be null). */
    public static EditOrder order(String model, String method, List<ApiTypes.FactBody> requests,
                                  Map<String, Object> hparams, List<String> evaluators, Long seed, String key) {
        List<EditFact> facts = requests.stream().map(f -> new EditFact(f.prompt(), f.subject(), f.target(),
                f.paraphrases(), f.neighbourhood())).toList();
        return new EditOrder(model, method, facts, hparams, evaluators, seed == null ? 0 : seed, key);
    }

    /** Returns the view of a ledger entry. */
    public static EditView edit(LedgerEntry entry) {
        RecordedEdit e = RecordedEdit.of(entry);
        Edit edit = e.edit();
        List<RequestView> requests = edit.requests().stream()
                .map(r -> new RequestView(r.prompt(), r.subject(), r.target(), r.paraphrases())).toList();
        List<DeltaView> deltas = e.deltas().stream().map(Views::delta).toList();
        EditNotes notes = EditNotes.of(edit);
        return new EditView(e.id(), edit.method(), edit.methodVersion(), requests, edit.hyperparameters(),
                edit.contextTemplates(), deltas, scores(e.info().scores()), e.info().before(), e.info().after(),
                e.recordedAt().toString(), e.info().extra(), edit.adapters().stream()
                .map(a -> new ApiTypes.AdapterView(a.id(), a.kind(), a.layer(), a.storedFloats())).toList(),
                notes.warnings(), notes.nonFiniteSteps());
    }

    private static DeltaView delta(DeltaSummary d) {
        return new DeltaView(d.weight(), d.kind(), d.rows(), d.cols(), d.rank(), d.storedFloats(), d.frobeniusNorm());
    }

    private static List<ScoreView> scores(List<Score> scores) {
        return scores.stream().map(s -> new ScoreView(s.metric(), s.protocol(), s.value(), s.count())).toList();
    }

    /** Returns the answer to a rollback: the ledger's account, a sentence saying it in words, and the weights' hash. */
    public static RollbackAnswer rollback(RollbackOutcome o) {
        var r = o.result();
        return new RollbackAnswer(r.removed(), r.recomputedFromBase(), o.note(), o.weightsHash(),
                r.recomputedFromBase(), r.restoredWeights(), r.reapplied(), r.computedOnTopOfRemoved(), r.warning(),
                r.remaining());
    }

    /** Returns the answer to a finished edit. */
    public static EditAnswer answer(EditOutcome o) {
        EditView edit = edit(o.entry());
        return new EditAnswer(o.entry().id(), o.before(), o.after(), scores(o.scores()), o.ignored(), edit,
                o.replayed() ? Boolean.TRUE : null, edit.warnings(), edit.nonFiniteSteps());
    }

    /** Returns what a patch import did: the edits added, the ids skipped and the message saying so. */
    public static PatchImportAnswer patchImport(PatchImport report) {
        return new PatchImportAnswer(report.added().stream().map(Views::edit).toList(), report.skipped(),
                report.message());
    }

    /** Returns the view of a job. */
    public static JobView job(Job.Snapshot<EditOutcome> s) {
        return new JobView(s.id(), s.model(), s.method(), s.state().name().toLowerCase(Locale.ROOT), s.stage(), s.done(),
                s.total(), s.outcome() == null ? null : answer(s.outcome()), s.error(), s.errorKind(),
                s.createdAt().toString(), s.finishedAt() == null ? null : s.finishedAt().toString());
    }

    /** Returns the view of a trace job; {@code base} is the job's path, under which the heatmaps are served. */
    public static TraceJobView trace(Job.Snapshot<Trace> s) {
        String base = "/api/v1/models/" + s.model() + "/traces/" + s.id();
        return new TraceJobView(s.id(), s.model(), s.state().name().toLowerCase(Locale.ROOT), s.stage(), s.done(),
                s.total(), s.outcome() == null ? null : trace(s.outcome(), base), s.error(), s.errorKind(),
                s.createdAt().toString(), s.finishedAt() == null ? null : s.finishedAt().toString());
    }

    private static TraceView trace(Trace t, String base) {
        Map<String, String> images = new java.util.LinkedHashMap<>();
        for (TraceKind kind : TraceKind.values()) {
            images.put(kind.id(), base + "/" + TraceHeatmaps.fileName(kind));
        }
        return new TraceView(t.prompt(), t.tokens(), new int[] {t.subjectFirst(), t.subjectLast()}, t.layers(),
                t.answer(), t.residual(), t.mlp(), t.attention(), t.cleanProbability(), t.corruptedProbability(),
                t.noise(), t.noiseMultiplier(), t.embeddingStd(), t.seed(), t.samples(), t.window(), t.seconds(),
                images);
    }
}
