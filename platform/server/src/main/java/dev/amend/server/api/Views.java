package dev.amend.server.api;

import dev.amend.runtime.ledger.LedgerEntry;
import dev.amend.runtime.ledger.RollbackResult;
import dev.amend.server.api.ApiTypes.DeltaView;
import dev.amend.server.api.ApiTypes.EditAnswer;
import dev.amend.server.api.ApiTypes.EditView;
import dev.amend.server.api.ApiTypes.JobView;
import dev.amend.server.api.ApiTypes.RequestView;
import dev.amend.server.api.ApiTypes.RollbackAnswer;
import dev.amend.server.api.ApiTypes.ScoreView;
import dev.amend.server.editing.EditOrder;
import dev.amend.server.editing.EditOutcome;
import dev.amend.server.jobs.EditJob;
import dev.amend.spi.edit.Edit;
import dev.amend.spi.edit.WeightDelta;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Turns the host's objects into API views (shared by REST and gRPC). */
public final class Views {
    private Views() {
    }

    /** Returns the edit order for a REST body. */
    public static EditOrder order(String model, String method, List<ApiTypes.FactBody> requests,
                                  Map<String, Object> hparams, List<String> evaluators, Long seed) {
        List<EditOrder.Fact> facts = new ArrayList<>();
        for (ApiTypes.FactBody f : requests) {
            facts.add(new EditOrder.Fact(f.prompt(), f.subject(), f.target(), f.paraphrases(), f.neighbourhood()));
        }
        return new EditOrder(model, method, facts, hparams, evaluators, seed == null ? 0 : seed);
    }

    /** Returns the view of a ledger entry. */
    @SuppressWarnings("unchecked")
    public static EditView edit(LedgerEntry e) {
        Edit edit = e.edit();
        List<RequestView> requests = edit.requests().stream()
                .map(r -> new RequestView(r.prompt(), r.subject(), r.target(), r.paraphrases())).toList();
        List<DeltaView> deltas = edit.deltas().stream().map(Views::delta).toList();
        Map<String, Object> info = new LinkedHashMap<>(e.info());
        List<Object> scores = info.remove("scores") instanceof List<?> l ? (List<Object>) l : List.of();
        List<Object> before = info.remove("before") instanceof List<?> l ? (List<Object>) l : List.of();
        List<Object> after = info.remove("after") instanceof List<?> l ? (List<Object>) l : List.of();
        return new EditView(e.id(), edit.method(), edit.methodVersion(), requests, edit.hyperparameters(),
                edit.contextTemplates(), deltas, scores, before, after, e.time().toString(), info);
    }

    /** Returns the size view of a delta. */
    public static DeltaView delta(WeightDelta d) {
        if (d instanceof WeightDelta.LowRank lr) {
            return new DeltaView(d.weight(), "low-rank", d.rows(), d.cols(), lr.rank(), d.storedFloats(),
                    lowRankNorm(lr));
        }
        double s = 0;
        for (float v : ((WeightDelta.Dense) d).values()) {
            s += (double) v * v;
        }
        return new DeltaView(d.weight(), "dense", d.rows(), d.cols(), 0, d.storedFloats(), Math.sqrt(s));
    }

    /** ‖U Vᵀ‖_F = sqrt(trace((UᵀU)(VᵀV))), without forming the dense matrix. */
    private static double lowRankNorm(WeightDelta.LowRank d) {
        int k = d.rank();
        double[] uu = gram(d.u(), d.rows(), k);
        double[] vv = gram(d.v(), d.cols(), k);
        double s = 0;
        for (int i = 0; i < k; i++) {
            for (int j = 0; j < k; j++) {
                s += uu[i * k + j] * vv[j * k + i];
            }
        }
        return Math.sqrt(Math.max(s, 0));
    }

    private static double[] gram(float[] a, int rows, int k) {
        double[] g = new double[k * k];
        for (int r = 0; r < rows; r++) {
            for (int i = 0; i < k; i++) {
                for (int j = 0; j < k; j++) {
                    g[i * k + j] += (double) a[r * k + i] * a[r * k + j];
                }
            }
        }
        return g;
    }

    /** Returns the answer to a rollback: the ledger's account, a sentence saying it in words, and the weights' hash. */
    public static RollbackAnswer rollback(RollbackResult r, String weightsHash) {
        StringBuilder note = new StringBuilder("removed " + r.removed().size() + " edit(s); ");
        if (r.recomputedFromBase()) {
            note.append("the weights they touched were restored from the base model and the deltas of the ")
                    .append(r.reapplied().size()).append(" remaining edit(s) on them re-applied in order, so the")
                    .append(" weights equal base + the ").append(r.remaining()).append(" remaining edit(s) exactly");
        } else {
            note.append("no weight had to change");
        }
        if (r.warning() != null) {
            note.append(". ").append(r.warning());
        }
        return new RollbackAnswer(r.removed(), r.recomputedFromBase(), note.toString(), weightsHash,
                r.recomputedFromBase(), r.restoredWeights(), r.reapplied(), r.computedOnTopOfRemoved(), r.warning(),
                r.remaining());
    }

    /** Returns the answer to a finished edit. */
    public static EditAnswer answer(EditOutcome o) {
        List<ScoreView> scores = o.scores().stream()
                .map(s -> new ScoreView(s.metric(), s.protocol(), s.value(), s.count())).toList();
        return new EditAnswer(o.entry().id(), o.before(), o.after(), scores, o.ignored(), edit(o.entry()));
    }

    /** Returns the view of a job. */
    public static JobView job(EditJob.Snapshot s) {
        return new JobView(s.id(), s.model(), s.method(), s.state().name().toLowerCase(Locale.ROOT), s.stage(), s.done(),
                s.total(), s.outcome() == null ? null : answer(s.outcome()), s.error(), s.errorKind(),
                s.createdAt().toString(), s.finishedAt() == null ? null : s.finishedAt().toString());
    }
}
