package dev.amend.server.editing;

import dev.amend.runtime.editing.Baseline;
import dev.amend.runtime.editing.EditSession;
import dev.amend.runtime.editing.EditTrial;
import dev.amend.runtime.io.AmendDirs;
import dev.amend.runtime.ledger.LedgerEntry;
import dev.amend.runtime.ledger.LedgerWriter;
import dev.amend.runtime.ledger.PostgresJobStore;
import dev.amend.runtime.model.Transformer;
import dev.amend.runtime.plugins.EditorLease;
import dev.amend.runtime.plugins.EvaluatorLease;
import dev.amend.server.limits.ComputeGate;
import dev.amend.server.limits.HostLimits;
import dev.amend.server.model.HostedModel;
import dev.amend.server.model.HostedModels;
import dev.amend.server.model.NotFoundException;
import dev.amend.spi.InvalidRequestException;
import dev.amend.spi.ProgressListener;
import dev.amend.spi.edit.EditContext;
import dev.amend.spi.edit.EvaluationCase;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * The host's edits on the runtime's edit pipeline ({@link EditSession}): validate → configure the method →
 * compute the edit on the working copy, apply it there, answer and score → record it in the ledger as applied
 * (durably first) and copy the touched weights to the serving copy, or restore them. Edits run on the
 * {@link EditThread}, at most {@code amend.edit.max-queued} per model at once; while one computes, generations are
 * held back ({@link ComputeGate}). With a ledger shared by replicas an edit holds the model's writer right and
 * first takes the other replicas' changes ({@link EditHistory#holdCaughtUp}). An edit with an idempotency key is applied once: a retry gets the first result.
 */
@ApplicationScoped
public class EditService {
    private static final Logger LOG = Logger.getLogger(EditService.class);

    @Inject
    HostedModels models;

    @Inject
    Methods methods;

    @Inject
    HostLimits limits;

    @Inject
    EditorFiles editorFiles;

    @Inject
    EditThread thread;

    @ConfigProperty(name = "amend.edit.evaluators", defaultValue = EditSession.DEFAULT_EVALUATOR_NAMES)
    List<String> defaultEvaluators;

    private final EditBacklog backlog = new EditBacklog();
    private final Map<String, Flight> inFlight = new HashMap<>();
    private volatile boolean cancelAll;

    private record Flight(String fingerprint, CompletableFuture<EditOutcome> future) {
    }

    /**
     * A validated edit, ready to run. It holds leases on the method and evaluators (pinning the plugin versions
     * it was prepared with); {@link #submit} closes them when the edit ends, or close it if it is never submitted.
     *
     * @param model       the model
     * @param order       what was asked
     * @param cases       the checked requests with their evaluation material
     * @param editor      the configured method, leased from the plugin catalog
     * @param evaluators  the evaluators to score with, leased from the plugin catalog
     * @param fingerprint the request's fingerprint, recorded with its idempotency key; null without a key
     * @param job         the id of the edit job recorded in the shared ledger database that makes this edit, recorded
     *                    in its info ({@value PostgresJobStore#EDIT_INFO_KEY}); null otherwise
     */
    public record Prepared(HostedModel model, EditOrder order, List<EvaluationCase> cases,
                           EditorLease editor, List<EvaluatorLease> evaluators, String fingerprint, String job)
            implements AutoCloseable {
        /** Releases the leases (the plugin versions may then be unloaded). */
        @Override
        public void close() {
            evaluators.forEach(EvaluatorLease::close);
            editor.close();
        }
    }

    /**
     * An edit on its way: the future of its outcome, and whether it is the result of an earlier request with the
     * same idempotency key (already recorded, or still running).
     *
     * @param future   the outcome when the edit ends
     * @param replayed true when no new edit was started for this request
     */
    public record Submission(CompletableFuture<EditOutcome> future, boolean replayed) {
    }

    /**
     * Returns {@code order} checked and configured, or throws {@link InvalidRequestException} saying what to fix
     * (or {@link NotFoundException} for an unknown model). Nothing is changed.
     */
    public Prepared prepare(EditOrder order) {
        if (order.model() == null || order.model().isBlank()) {
            throw new InvalidRequestException("no model given: name one of the served models (GET /api/v1/models)");
        }
        HostedModel model = models.get(order.model());
        if (order.method() == null || order.method().isBlank()) {
            throw new InvalidRequestException("no method given: set \"method\" to one of "
                    + String.join(", ", methods.editorNames()));
        }
        String key = EditKeys.check(order.key());
        Transformer m = model.serving();
        List<EvaluationCase> cases = limits.edits().check(order.facts(), m, model.name());
        List<String> evaluatorNames = order.evaluators() == null ? defaultEvaluators : order.evaluators();
        if (evaluatorNames.contains(null)) {
            throw new InvalidRequestException("evaluators: a name is null: give evaluator names as strings");
        }
        Map<String, Object> hparams = editorFiles.confine(order.method(), order.hparams());
        EditorLease editor = methods.leaseEditor(order.method(), m.architecture(), hparams);
        List<EvaluatorLease> evaluators = new ArrayList<>();
        String fingerprint = key == null ? null : EditKeys.fingerprint(order);
        try {
            for (String name : new LinkedHashSet<>(evaluatorNames)) {
                if (!name.isBlank()) {
                    evaluators.add(methods.leaseEvaluator(name.strip()));
                }
            }
        } catch (RuntimeException | Error e) {
            new Prepared(model, order, cases, editor, evaluators, fingerprint, null).close();
            throw e;
        }
        return new Prepared(model, order, cases, editor, evaluators, fingerprint, null);
    }

    private Prepared prepare(EditOrder order, String job) {
        Prepared p = prepare(order);
        return job == null ? p : new Prepared(p.model(), p.order(), p.cases(), p.editor(), p.evaluators(),
                p.fingerprint(), job);
    }

    /** Returns the outcome of {@code order}, computed, recorded and scored, or the first result of its idempotency key. */
    public EditOutcome edit(EditOrder order) {
        Submission s = start(order, ProgressListener.NONE, () -> false);
        EditOutcome outcome = EditThread.await(s.future());
        return s.replayed() ? outcome.asReplayed() : outcome;
    }

    /**
     * Returns {@code order} on its way: a new edit queued on the edit thread, or, when its idempotency key was used
     * before, the first request's edit (recorded, or still running). Throws when the order is invalid, the key was
     * used for a different edit, or the model has as many edits queued as it takes.
     */
    public Submission start(EditOrder order, ProgressListener progress, BooleanSupplier cancelled) {
        return start(order, null, progress, cancelled);
    }

    /**
     * Returns {@code order} on its way as {@link #start(EditOrder, ProgressListener, BooleanSupplier)} does, made by
     * edit job {@code job} recorded in the shared ledger database (null: none), which its edit's info names.
     */
    public Submission start(EditOrder order, String job, ProgressListener progress, BooleanSupplier cancelled) {
        String key = EditKeys.check(order.key());
        if (key == null) {
            return new Submission(submit(prepare(order, job), progress, cancelled), false);
        }
        synchronized (inFlight) {
            String fingerprint = EditKeys.fingerprint(order);
            String slot = order.model() + "\n" + key;
            Flight flight = inFlight.get(slot);
            if (flight != null) {
                EditKeys.requireSame(key, flight.fingerprint(), fingerprint);
                return new Submission(flight.future(), true);
            }
            Optional<LedgerEntry> recorded = EditKeys.recorded(models.get(order.model()), key);
            if (recorded.isPresent()) {
                EditKeys.requireSame(key, (String) recorded.get().info().get(EditKeys.FINGERPRINT), fingerprint);
                return new Submission(CompletableFuture.completedFuture(EditKeys.replay(recorded.get())), true);
            }
            CompletableFuture<EditOutcome> future = submit(prepare(order, job), progress, cancelled);
            inFlight.put(slot, new Flight(fingerprint, future));
            future.whenComplete((o, e) -> {
                synchronized (inFlight) {
                    inFlight.remove(slot);
                }
            });
            return new Submission(future, false);
        }
    }

    /**
     * Returns a future of the outcome of {@code prepared}, queued on the edit thread; the prepared edit's leases are
     * closed when it ends (however it ends). Throws {@link dev.amend.server.limits.BusyException} when the model has
     * {@code amend.edit.max-queued} edits queued or running already.
     */
    public CompletableFuture<EditOutcome> submit(Prepared prepared, ProgressListener progress,
                                                 BooleanSupplier cancelled) {
        String name = prepared.model().name();
        BooleanSupplier stop = () -> cancelAll || cancelled.getAsBoolean();
        double[] seconds = {0};
        CompletableFuture<EditOutcome> future;
        try {
            backlog.enter(name, limits.maxQueuedEdits());
            try {
                future = thread.supply(() -> {
                    long t0 = System.nanoTime();
                    try {
                        return runOnce(prepared, progress, stop);
                    } finally {
                        seconds[0] = (System.nanoTime() - t0) / 1e9;
                    }
                });
            } catch (RuntimeException e) {
                backlog.leave(name, 0);
                throw e;
            }
        } catch (RuntimeException e) {
            prepared.close();
            throw e;
        }
        return future.whenComplete((outcome, error) -> {
            backlog.leave(name, seconds[0]);
            prepared.close();
        });
    }

    private EditOutcome runOnce(Prepared prepared, ProgressListener progress, BooleanSupplier cancelled) {
        if (cancelled.getAsBoolean()) {
            throw new CancellationException(cancelAll ? "the host is shutting down: the edit was cancelled before it"
                    + " started" : "the edit was cancelled before it started");
        }
        HostedModel model = prepared.model();
        try (LedgerWriter.Hold writer = EditHistory.holdCaughtUp(model)) {
            Optional<LedgerEntry> recorded = prepared.fingerprint() == null ? Optional.empty()
                    : EditKeys.recorded(model, prepared.order().key());
            if (recorded.isPresent()) {
                // another replica recorded an edit with this key while this one waited for the writer right
                EditKeys.requireSame(prepared.order().key(), (String) recorded.get().info().get(EditKeys.FINGERPRINT),
                        prepared.fingerprint());
                return EditKeys.replay(recorded.get());
            }
            ComputeGate gate = limits.gate();
            gate.editStarted();
            try {
                return model.isolated() ? run(prepared, progress, cancelled)
                        : model.write(() -> run(prepared, progress, cancelled));
            } finally {
                gate.editEnded();
            }
        }
    }

    private EditOutcome run(Prepared p, ProgressListener progress, BooleanSupplier cancelled) {
        HostedModel model = p.model();
        EditSession session = new EditSession(model.working(), p.editor().editor(),
                p.evaluators().stream().map(EvaluatorLease::create).toList());
        Baseline before = session.before(p.cases(), List.of());
        EditContext ctx = new EditContext(p.order().seed(), progress, cancelled, AmendDirs.cache(),
                model.statisticsCorpus(), model.read(() -> model.ledger().history()));
        try (EditTrial trial = session.trial(before, ctx)) {
            Map<String, Object> extra = new LinkedHashMap<>();
            extra.put("seed", p.order().seed());
            extra.put("evaluators", p.evaluators().stream().map(EvaluatorLease::name).toList());
            extra.put("method_origin", p.editor().origin());
            extra.put("ignored_hparams", p.editor().ignored());
            extra.put("seconds_edit", trial.secondsEdit());
            extra.put("seconds_evaluation", trial.secondsEvaluation());
            if (p.fingerprint() != null) {
                extra.put(EditKeys.KEY, p.order().key());
                extra.put(EditKeys.FINGERPRINT, p.fingerprint());
            }
            if (p.job() != null) {
                extra.put(PostgresJobStore.EDIT_INFO_KEY, p.job());
            }
            ctx.checkCancelled();
            LedgerEntry entry = model.recordApplied(trial.edit(), trial.info(extra).toMap(), trial.applied());
            trial.keep();
            LOG.infof("edit %s on %s by %s: %d request(s), computed in %.2f s, scored in %.2f s", entry.id(),
                    model.name(), trial.edit().method(), p.cases().size(), trial.secondsEdit(),
                    trial.secondsEvaluation());
            return new EditOutcome(entry, trial.before(), trial.after(), trial.scores(), p.editor().ignored());
        }
    }

    /** Asks every queued and running edit to stop (at its next check; the model stays unchanged). */
    public void cancelAll() {
        cancelAll = true;
    }

    /** Returns the outcome future's value, rethrowing what the work threw (see {@link EditThread#await}). */
    public static <T> T await(java.util.concurrent.Future<T> future) {
        return EditThread.await(future);
    }
}
