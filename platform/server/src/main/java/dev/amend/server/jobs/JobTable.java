package dev.amend.server.jobs;

import dev.amend.runtime.ledger.LedgerUnavailableException;
import dev.amend.server.InternalErrors;
import dev.amend.server.model.NotFoundException;
import dev.amend.spi.InvalidRequestException;
import io.smallrye.mutiny.Multi;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.BooleanSupplier;

/**
 * The jobs of one kind a host keeps in memory: created, looked up, cancelled, watched as a stream of states, and
 * finished from the future of their work. The oldest finished jobs are dropped beyond {@code keep}.
 *
 * @param <T> what the jobs' work returns
 */
final class JobTable<T> {
    private final String kind;
    private final int keep;
    private final Map<String, Job<T>> jobs = new LinkedHashMap<>() {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Job<T>> eldest) {
            return size() > keep && eldest.getValue().snapshot().state().terminal();
        }
    };

    /** Returns a table of jobs called {@code kind} in messages ("job", "trace"), keeping {@code keep} of them. */
    JobTable(String kind, int keep) {
        this.kind = kind;
        this.keep = keep;
    }

    /** Returns a new queued job, kept in the table. */
    Job<T> create(String idPrefix, String model, String method) {
        return add(detached(idPrefix, model, method));
    }

    /** Returns a new queued job that the table does not keep yet (see {@link #add}). */
    Job<T> detached(String idPrefix, String model, String method) {
        return new Job<>(idPrefix + UUID.randomUUID().toString().substring(0, 13), model, method);
    }

    /** Returns {@code job}, now kept in the table. */
    Job<T> add(Job<T> job) {
        synchronized (jobs) {
            jobs.put(job.id(), job);
        }
        return job;
    }

    /**
     * Ends {@code job} with what {@code work} ends with: its value, a cancellation, bad input, a shared ledger that
     * cannot take the change, or a failure.
     */
    void finish(Job<T> job, CompletableFuture<T> work) {
        work.whenComplete((outcome, thrown) -> {
            Throwable t = thrown instanceof CompletionException && thrown.getCause() != null ? thrown.getCause() : thrown;
            if (t == null) {
                job.succeeded(outcome);
            } else if (t instanceof CancellationException) {
                job.failed(Job.State.CANCELLED, "cancelled", t.getMessage() + "; the model is unchanged");
            } else if (t instanceof InvalidRequestException) {
                job.failed(Job.State.FAILED, "invalid_request", t.getMessage());
            } else if (t instanceof LedgerUnavailableException) {
                job.failed(Job.State.FAILED, "ledger_unavailable", t.getMessage());
            } else {
                job.failed(Job.State.FAILED, "internal", InternalErrors.report(kind + " " + job.id(), t));
            }
        });
    }

    /** Returns the cancellation check of {@code job}: marks it started, and says whether it should stop. */
    static BooleanSupplier cancelCheck(Job<?> job) {
        return () -> {
            if (!job.cancelRequested()) {
                job.started();
            }
            return job.cancelRequested();
        };
    }

    /** Returns job {@code id}, or throws {@link NotFoundException}. */
    Job<T> get(String id) {
        return find(id).orElseThrow(() -> new NotFoundException("no " + kind + " \"" + id + "\" on this host ("
                + kind + "s are kept in memory, the last " + keep + ")"));
    }

    /** Returns job {@code id} when the table keeps it. */
    Optional<Job<T>> find(String id) {
        synchronized (jobs) {
            return Optional.ofNullable(jobs.get(id));
        }
    }

    /** Returns the job's state after asking it to stop. */
    Job.Snapshot<T> cancel(String id) {
        Job<T> j = get(id);
        j.requestCancel();
        return j.snapshot();
    }

    /** Returns the job's states from now until it ends: the current one first, then one per change. */
    Multi<Job.Snapshot<T>> watch(String id) {
        Job<T> job = get(id);
        return Multi.createFrom().emitter(emitter -> {
            Runnable stop = job.listen(s -> {
                emitter.emit(s);
                if (s.state().terminal()) {
                    emitter.complete();
                }
            });
            emitter.onTermination(stop);
            Job.Snapshot<T> now = job.snapshot();
            emitter.emit(now);
            if (now.state().terminal()) {
                emitter.complete();
            }
        });
    }
}
