package dev.amend.server.jobs;

import dev.amend.kit.trace.CausalTrace;
import dev.amend.kit.trace.Trace;
import dev.amend.kit.trace.TraceRequest;
import dev.amend.kit.trace.TraceSettings;
import dev.amend.server.model.HostedModel;
import dev.amend.server.model.HostedModels;
import dev.amend.server.model.NotFoundException;
import io.smallrye.mutiny.Multi;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.BooleanSupplier;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Causal traces run in the background, one at a time on their own thread ("amend-traces"), on a model's serving
 * weights under its read lock (a trace only reads the model): submitted, polled, watched, cancelled.
 */
@ApplicationScoped
public class TraceJobs {
    @Inject
    HostedModels models;

    @ConfigProperty(name = "amend.jobs.keep", defaultValue = "100")
    int keep;

    private JobTable<Trace> jobs;

    private final ExecutorService traceThread = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "amend-traces");
        t.setDaemon(true);
        return t;
    });

    @PostConstruct
    void start() {
        jobs = new JobTable<>("trace", keep);
    }

    /**
     * Returns a new trace job of {@code request} on {@code model}, checked first: an unknown model, a subject not in
     * the prompt, a prompt over the context or an answer with near-zero probability throw at once, nothing queued.
     */
    public Job<Trace> submit(String model, TraceRequest request, TraceSettings settings) {
        HostedModel m = models.get(model);
        m.read(() -> {
            CausalTrace.check(m.serving(), request);
            return null;
        });
        Job<Trace> job = jobs.create("t-", m.name(), "causal-trace");
        BooleanSupplier cancelled = JobTable.cancelCheck(job);
        jobs.finish(job, CompletableFuture.supplyAsync(() -> {
            if (cancelled.getAsBoolean()) {
                throw new CancellationException("the trace was cancelled before it started");
            }
            return m.read(() -> CausalTrace.run(m.serving(), request, settings, job::progress, cancelled));
        }, traceThread));
        return job;
    }

    /** Returns trace job {@code id} of {@code model}, or throws {@link NotFoundException}. */
    public Job<Trace> get(String model, String id) {
        Job<Trace> job = jobs.get(id);
        if (!job.snapshot().model().equals(model)) {
            throw new NotFoundException("trace \"" + id + "\" belongs to model " + job.snapshot().model() + ", not "
                    + model);
        }
        return job;
    }

    /** Returns the job's state after asking it to stop. */
    public Job.Snapshot<Trace> cancel(String model, String id) {
        get(model, id);
        return jobs.cancel(id);
    }

    /** Returns the job's states from now until it ends: the current one first, then one per change. */
    public Multi<Job.Snapshot<Trace>> watch(String model, String id) {
        get(model, id);
        return jobs.watch(id);
    }

    @PreDestroy
    void stop() {
        traceThread.shutdownNow();
    }
}
