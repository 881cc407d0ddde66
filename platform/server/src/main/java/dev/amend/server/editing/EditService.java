package dev.amend.server.editing;

import dev.amend.runtime.editing.Baseline;
import dev.amend.runtime.editing.EditLimits;
import dev.amend.runtime.editing.EditSession;
import dev.amend.runtime.editing.EditTrial;
import dev.amend.runtime.io.AmendDirs;
import dev.amend.runtime.ledger.EditLedger;
import dev.amend.runtime.ledger.LedgerEntry;
import dev.amend.runtime.ledger.LedgerWriter;
import dev.amend.runtime.ledger.RollbackResult;
import dev.amend.runtime.model.Transformer;
import dev.amend.runtime.plugins.EditorLease;
import dev.amend.runtime.plugins.EvaluatorLease;
import dev.amend.server.model.HostedModel;
import dev.amend.server.model.HostedModels;
import dev.amend.server.model.NotFoundException;
import dev.amend.spi.InvalidRequestException;
import dev.amend.spi.ProgressListener;
import dev.amend.spi.edit.Edit;
import dev.amend.spi.edit.EditContext;
import dev.amend.spi.edit.EvaluationCase;
import dev.amend.spi.edit.WeightDelta;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.BooleanSupplier;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * The host's edits on the runtime's edit pipeline ({@link EditSession}): validate → configure the method →
 * compute the edit on the working copy, apply it there, answer and score → record it in the ledger as applied
 * (durably first) and copy the touched weights to the serving copy, or restore them. Every edit computation,
 * rollback and import of the process runs on one thread ("amend-edits"): edits are serialised per model and
 * across models (DJL allows one gradient-collecting scope per process), and that thread owns the working copies
 * of the weights.
 */
@ApplicationScoped
public class EditService {
    private static final Logger LOG = Logger.getLogger(EditService.class);

    @Inject
    HostedModels models;

    @Inject
    Methods methods;

    @ConfigProperty(name = "amend.edit.max-requests", defaultValue = "64")
    int maxRequests;

    @ConfigProperty(name = "amend.edit.max-target-tokens", defaultValue = "128")
    int maxTargetTokens;

    @ConfigProperty(name = "amend.edit.evaluators", defaultValue = EditSession.DEFAULT_EVALUATOR_NAMES)
    List<String> defaultEvaluators;

    private final ExecutorService editThread = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(() -> {
            // grad mode is per thread in DJL: off on this one; the model code turns it on per forward pass that needs it
            ai.djl.pytorch.jni.JniUtils.setGradMode(false);
            r.run();
        }, "amend-edits");
        t.setDaemon(true);
        return t;
    });

    /**
     * A validated edit, ready to run. It holds leases on the method and evaluators (pinning the plugin versions
     * it was prepared with); {@link #submit} closes them when the edit ends, or close it if it is never submitted.
     *
     * @param model      the model
     * @param order      what was asked
     * @param cases      the checked requests with their evaluation material
     * @param editor     the configured method, leased from the plugin catalog
     * @param evaluators the evaluators to score with, leased from the plugin catalog
     */
    public record Prepared(HostedModel model, EditOrder order, List<EvaluationCase> cases,
                           EditorLease editor, List<EvaluatorLease> evaluators) implements AutoCloseable {
        /** Releases the leases (the plugin versions may then be unloaded). */
        @Override
        public void close() {
            evaluators.forEach(EvaluatorLease::close);
            editor.close();
        }
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
        Transformer m = model.serving();
        List<EvaluationCase> cases = new EditLimits(maxRequests, maxTargetTokens).check(order.facts(), m, model.name());
        EditorLease editor = methods.leaseEditor(order.method(), m.architecture(), order.hparams());
        List<EvaluatorLease> evaluators = new ArrayList<>();
        try {
            for (String name : new LinkedHashSet<>(order.evaluators() == null ? defaultEvaluators
                    : order.evaluators())) {
                if (!name.isBlank()) {
                    evaluators.add(methods.leaseEvaluator(name.strip()));
                }
            }
        } catch (RuntimeException | Error e) {
            new Prepared(model, order, cases, editor, evaluators).close();
            throw e;
        }
        return new Prepared(model, order, cases, editor, evaluators);
    }

    /** Returns the outcome of {@code order}, computed, recorded and scored (blocks until done). */
    public EditOutcome edit(EditOrder order) {
        Prepared p = prepare(order);
        return await(submit(p, ProgressListener.NONE, () -> false));
    }

    /**
     * Returns a future of the outcome of {@code prepared}, queued on the edit thread; the prepared edit's leases are
     * closed when it ends (however it ends).
     */
    public CompletableFuture<EditOutcome> submit(Prepared prepared, ProgressListener progress,
                                                 BooleanSupplier cancelled) {
        CompletableFuture<EditOutcome> future;
        try {
            future = CompletableFuture.supplyAsync(() -> {
                if (cancelled.getAsBoolean()) {
                    throw new CancellationException("the edit was cancelled before it started");
                }
                HostedModel model = prepared.model();
                try (LedgerWriter.Hold writer = model.holdWriter()) {
                    catchUp(model);
                    return model.isolated() ? run(prepared, progress, cancelled)
                            : model.write(() -> run(prepared, progress, cancelled));
                }
            }, editThread);
        } catch (RuntimeException e) {
            prepared.close();
            throw e;
        }
        return future.whenComplete((outcome, error) -> prepared.close());
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
            ctx.checkCancelled();
            LedgerEntry entry = model.recordApplied(trial.edit(), trial.info(extra).toMap(), trial.applied());
            trial.keep();
            LOG.infof("edit %s on %s by %s: %d request(s), computed in %.2f s, scored in %.2f s", entry.id(),
                    model.name(), trial.edit().method(), p.cases().size(), trial.secondsEdit(),
                    trial.secondsEvaluation());
            return new EditOutcome(entry, trial.before(), trial.after(), trial.scores(), p.editor().ignored());
        }
    }

    /** Returns the applied edits of {@code model}, oldest first. */
    public List<LedgerEntry> entries(String model) {
        HostedModel m = models.get(model);
        return m.read(() -> m.ledger().entries());
    }

    /** Returns applied edit {@code id} of {@code model}, or throws {@link NotFoundException}. */
    public LedgerEntry entry(String model, String id) {
        HostedModel m = models.get(model);
        return m.read(() -> m.ledger().entry(id)).orElseThrow(() -> new NotFoundException("edit \"" + id
                + "\" is not applied to model " + model + " (GET /api/v1/models/" + model + "/edits lists them)"));
    }

    /** Returns the result of rolling back {@code ids} of {@code model} (run on the edit thread). */
    public RollbackOutcome rollback(String model, List<String> ids) {
        HostedModel m = models.get(model);
        if (ids.isEmpty()) {
            throw new InvalidRequestException("no edit ids given: name the edits to roll back");
        }
        for (String id : ids) {
            entry(model, id);
        }
        return await(editThread.submit(() -> {
            try (LedgerWriter.Hold writer = m.holdWriter()) {
                catchUp(m);
                Set<String> touched = weights(m.read(() -> m.ledger().history()));
                RollbackResult r = m.write(() -> m.ledger().rollback(ids));
                m.syncWorking(touched);
                return new RollbackOutcome(r, m.weightsHash());
            }
        }));
    }

    /** Returns the patch file of {@code ids} of {@code model} (all applied edits when empty). */
    public byte[] exportPatch(String model, List<String> ids) {
        for (String id : ids) {
            entry(model, id);
        }
        HostedModel m = models.get(model);
        return m.read(() -> {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            m.ledger().exportPatch(ids, out);
            return out.toByteArray();
        });
    }

    /** Returns the entries a patch added to {@code model} (run on the edit thread; checks the base model hash). */
    public List<LedgerEntry> importPatch(String model, byte[] patch) {
        HostedModel m = models.get(model);
        if (patch == null || patch.length == 0) {
            throw new InvalidRequestException("the patch is empty: send the bytes of an exported patch file");
        }
        return await(editThread.submit(() -> {
            try (LedgerWriter.Hold writer = m.holdWriter()) {
                catchUp(m);
                List<LedgerEntry> added = m.write(() -> m.ledger().importPatch(new ByteArrayInputStream(patch)));
                m.syncWorking(weights(added.stream().map(LedgerEntry::edit).toList()));
                return added;
            }
        }));
    }

    /**
     * Brings {@code model} to the shared history (other replicas' edits and rollbacks) before a change, holding the
     * writer right, and its working copy with it; nothing for a file ledger. Runs on the edit thread.
     */
    private static void catchUp(HostedModel model) {
        EditLedger.CatchUp c = model.catchUp();
        if (!c.isEmpty()) {
            LOG.infof("model %s: applied %d edit(s) and %d rollback(s) of other replicas before this change",
                    model.name(), c.added().size(), c.rolledBack().size());
        }
        model.syncStaleWorking();
    }

    private static Set<String> weights(List<Edit> edits) {
        Set<String> out = new LinkedHashSet<>();
        for (Edit e : edits) {
            for (WeightDelta d : e.deltas()) {
                out.add(d.weight());
            }
        }
        return out;
    }

    /** Returns the future's value, rethrowing what the work threw. */
    public static <T> T await(Future<T> future) {
        try {
            return future.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            future.cancel(true);
            throw new CancellationException("interrupted while waiting for the edit thread");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            if (e.getCause() instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException(e.getCause());
        }
    }

    /** Runs {@code work} on the edit thread and returns its value (for tests and tools needing the working copy). */
    public <T> T onEditThread(Callable<T> work) {
        return await(editThread.submit(work));
    }

    @PreDestroy
    void stop() {
        editThread.shutdownNow();
    }
}
