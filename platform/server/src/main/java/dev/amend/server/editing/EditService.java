package dev.amend.server.editing;

import dev.amend.kit.WeightSnapshot;
import dev.amend.runtime.io.AmendDirs;
import dev.amend.runtime.ledger.LedgerEntry;
import dev.amend.runtime.ledger.RollbackResult;
import dev.amend.runtime.model.Transformer;
import dev.amend.runtime.plugins.EditorLease;
import dev.amend.runtime.plugins.EvaluatorLease;
import dev.amend.server.model.HostedModel;
import dev.amend.server.model.HostedModels;
import dev.amend.server.model.NotFoundException;
import dev.amend.spi.Evaluator;
import dev.amend.spi.InvalidRequestException;
import dev.amend.spi.ProgressListener;
import dev.amend.spi.edit.Edit;
import dev.amend.spi.edit.EditContext;
import dev.amend.spi.edit.EditRequest;
import dev.amend.spi.edit.EvaluationCase;
import dev.amend.spi.edit.Score;
import dev.amend.spi.edit.WeightDelta;
import dev.amend.spi.model.GenerationRequest;
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
 * The edit pipeline: validate → configure the method → compute the edit → record it in the ledger
 * (durably, then applied) → score it. Every edit computation, rollback and import of the process runs
 * on one thread ("amend-edits"): edits are serialised per model and across models (DJL allows one
 * gradient-collecting scope per process), and that thread owns the working copies of the weights.
 */
@ApplicationScoped
public class EditService {
    private static final int ANSWER_TOKENS = 8;
    private static final Logger LOG = Logger.getLogger(EditService.class);

    @Inject
    HostedModels models;

    @Inject
    Methods methods;

    @ConfigProperty(name = "amend.edit.max-requests", defaultValue = "64")
    int maxRequests;

    @ConfigProperty(name = "amend.edit.max-target-tokens", defaultValue = "128")
    int maxTargetTokens;

    @ConfigProperty(name = "amend.edit.evaluators", defaultValue = "counterfact")
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
     * @param requests   the requests as the SPI takes them
     * @param editor     the configured method, leased from the plugin catalog
     * @param evaluators the evaluators to score with, leased from the plugin catalog
     */
    public record Prepared(HostedModel model, EditOrder order, List<EditRequest> requests,
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
        if (order.facts().isEmpty()) {
            throw new InvalidRequestException("no requests given: \"requests\" needs at least one"
                    + " {\"prompt\", \"subject\", \"target\"}");
        }
        if (order.facts().size() > maxRequests) {
            throw new InvalidRequestException(order.facts().size() + " requests in one edit: at most " + maxRequests
                    + " (split the batch, or raise amend.edit.max-requests)");
        }
        Transformer m = model.serving();
        int context = m.architecture().maxContext();
        List<EditRequest> requests = new ArrayList<>();
        for (int i = 0; i < order.facts().size(); i++) {
            EditOrder.Fact f = order.facts().get(i);
            String where = order.facts().size() == 1 ? "" : "request " + (i + 1) + ": ";
            if (f == null || f.prompt() == null || f.subject() == null || f.target() == null) {
                throw new InvalidRequestException(where + "each request needs \"prompt\", \"subject\" and \"target\"");
            }
            EditRequest r;
            try {
                r = new EditRequest(f.prompt(), f.subject(), f.target(), f.paraphrases());
            } catch (InvalidRequestException e) {
                throw new InvalidRequestException(where + e.getMessage(), e);
            }
            int targetTokens = m.tokenizer().encode(r.target(), false).length;
            if (targetTokens > maxTargetTokens) {
                throw new InvalidRequestException(where + "the target is " + targetTokens + " tokens long: at most "
                        + maxTargetTokens + " (shorten it, or raise amend.edit.max-target-tokens)");
            }
            int promptTokens = m.tokenizer().encode(r.filledPrompt(), true).length;
            if (promptTokens + targetTokens > context) {
                throw new InvalidRequestException(where + "the prompt and target are " + (promptTokens + targetTokens)
                        + " tokens together but model " + model.name() + " reads at most " + context
                        + ": shorten the prompt");
            }
            requests.add(r);
        }
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
            new Prepared(model, order, requests, editor, evaluators).close();
            throw e;
        }
        return new Prepared(model, order, requests, editor, evaluators);
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
                return model.isolated() ? run(prepared, progress, cancelled)
                        : model.write(() -> run(prepared, progress, cancelled));
            }, editThread);
        } catch (RuntimeException e) {
            prepared.close();
            throw e;
        }
        return future.whenComplete((outcome, error) -> prepared.close());
    }

    private EditOutcome run(Prepared p, ProgressListener progress, BooleanSupplier cancelled) {
        HostedModel model = p.model();
        Transformer working = model.working();
        long t0 = System.nanoTime();
        List<String> before = new ArrayList<>();
        List<EvaluationCase> cases = new ArrayList<>();
        for (int i = 0; i < p.requests().size(); i++) {
            EditRequest r = p.requests().get(i);
            String answer = answer(working, r.filledPrompt());
            before.add(answer);
            EditOrder.Fact f = p.order().facts().get(i);
            cases.add(new EvaluationCase(r, answer, r.paraphrases(), f.neighbourhood(), Map.of(), Map.of()));
        }
        List<Evaluator> evaluators = new ArrayList<>();
        for (EvaluatorLease ep : p.evaluators()) {
            Evaluator e = ep.create();
            cases = e.baseline(working, cases);
            evaluators.add(e);
        }
        List<Edit> history = model.read(() -> model.ledger().history());
        EditContext ctx = new EditContext(p.order().seed(), progress, cancelled, AmendDirs.cache(),
                model.statisticsCorpus(), history);
        long t1 = System.nanoTime();
        Edit edit = p.editor().editor().computeEdit(working, p.requests(), ctx);
        ctx.checkCancelled();
        long t2 = System.nanoTime();
        Set<String> touched = weights(List.of(edit));
        List<String> after = new ArrayList<>();
        List<Score> scores = new ArrayList<>();
        try (WeightSnapshot snapshot = WeightSnapshot.of(working, touched)) {
            try {
                edit.applyTo(working);
                for (EditRequest r : p.requests()) {
                    after.add(answer(working, r.filledPrompt()));
                }
                progress.progress("evaluation", 0, evaluators.size());
                for (int i = 0; i < evaluators.size(); i++) {
                    scores.addAll(evaluators.get(i).evaluate(working, cases));
                    progress.progress("evaluation", i + 1, evaluators.size());
                }
            } finally {
                snapshot.restore();
            }
        }
        long t3 = System.nanoTime();
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("before", before);
        info.put("after", after);
        info.put("scores", scores.stream().map(EditService::scoreMap).toList());
        info.put("seed", p.order().seed());
        info.put("evaluators", p.evaluators().stream().map(EvaluatorLease::name).toList());
        info.put("method_origin", p.editor().origin());
        info.put("ignored_hparams", p.editor().ignored());
        info.put("seconds_edit", (t2 - t1) / 1e9);
        info.put("seconds_evaluation", (t3 - t2) / 1e9 + (t1 - t0) / 1e9);
        ctx.checkCancelled();
        LedgerEntry entry = model.write(() -> model.ledger().record(edit, info));
        model.syncWorking(touched);
        LOG.infof("edit %s on %s by %s: %d request(s), computed in %.2f s, scored in %.2f s", entry.id(), model.name(),
                edit.method(), p.requests().size(), (t2 - t1) / 1e9, (t3 - t2) / 1e9 + (t1 - t0) / 1e9);
        return new EditOutcome(entry, before, after, scores, p.editor().ignored());
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

    /**
     * What a rollback did and the weights after it.
     *
     * @param result      the ledger's account
     * @param weightsHash SHA-256 of the serving weights after the rollback
     */
    public record Rollback(RollbackResult result, String weightsHash) {
    }

    /** Returns the result of rolling back {@code ids} of {@code model} (run on the edit thread). */
    public Rollback rollback(String model, List<String> ids) {
        HostedModel m = models.get(model);
        if (ids.isEmpty()) {
            throw new InvalidRequestException("no edit ids given: name the edits to roll back");
        }
        for (String id : ids) {
            entry(model, id);
        }
        return await(editThread.submit(() -> {
            Set<String> touched = weights(m.read(() -> m.ledger().history()));
            RollbackResult r = m.write(() -> m.ledger().rollback(ids));
            m.syncWorking(touched);
            return new Rollback(r, m.weightsHash());
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
            List<LedgerEntry> added = m.write(() -> m.ledger().importPatch(new ByteArrayInputStream(patch)));
            m.syncWorking(weights(added.stream().map(LedgerEntry::edit).toList()));
            return added;
        }));
    }

    /** Returns the greedy answer of {@code model} to {@code prompt}: a few tokens, cut at the first period or line end. */
    public static String answer(Transformer model, String prompt) {
        String text = model.generate(GenerationRequest.greedy(model.tokenizer().encode(prompt, true), ANSWER_TOKENS))
                .text();
        for (char stop : new char[] {'.', '\n'}) {
            int at = text.indexOf(stop);
            if (at >= 0) {
                text = text.substring(0, at);
            }
        }
        return text;
    }

    /** Returns a score as a JSON-friendly map. */
    public static Map<String, Object> scoreMap(Score s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("metric", s.metric());
        m.put("protocol", s.protocol());
        m.put("value", Double.isFinite(s.value()) ? s.value() : String.valueOf(s.value()));
        m.put("count", s.count());
        return m;
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
