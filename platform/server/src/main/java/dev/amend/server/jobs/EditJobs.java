package dev.amend.server.jobs;

import dev.amend.server.editing.EditOrder;
import dev.amend.server.editing.EditService;
import dev.amend.server.model.NotFoundException;
import dev.amend.spi.InvalidRequestException;
import io.smallrye.mutiny.Multi;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/** Edits run in the background: submitted, polled, watched as a stream of states, cancelled. */
@ApplicationScoped
public class EditJobs {
    private static final Logger LOG = Logger.getLogger(EditJobs.class);

    @Inject
    EditService edits;

    @ConfigProperty(name = "amend.jobs.keep", defaultValue = "100")
    int keep;

    private final Map<String, EditJob> jobs = new LinkedHashMap<>() {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<String, EditJob> eldest) {
            return size() > keep && eldest.getValue().snapshot().state().terminal();
        }
    };

    /** Returns a new job for {@code order}, validated first (bad input throws at once, nothing is queued). */
    public EditJob submit(EditOrder order) {
        EditService.Prepared prepared = edits.prepare(order);
        EditJob job = new EditJob("j-" + UUID.randomUUID().toString().substring(0, 13), order.model(), order.method());
        synchronized (jobs) {
            jobs.put(job.id(), job);
        }
        edits.submit(prepared, (stage, done, total) -> job.progress(stage, done, total), () -> {
            if (!job.cancelRequested()) {
                job.started();
            }
            return job.cancelRequested();
        }).whenComplete((outcome, thrown) -> {
            Throwable t = thrown instanceof CompletionException && thrown.getCause() != null ? thrown.getCause() : thrown;
            if (t == null) {
                job.succeeded(outcome);
            } else if (t instanceof CancellationException) {
                job.failed(EditJob.State.CANCELLED, "cancelled", t.getMessage() + "; the model is unchanged");
            } else if (t instanceof InvalidRequestException) {
                job.failed(EditJob.State.FAILED, "invalid_request", t.getMessage());
            } else if (t instanceof dev.amend.runtime.ledger.LedgerUnavailableException) {
                job.failed(EditJob.State.FAILED, "ledger_unavailable", t.getMessage());
            } else {
                LOG.errorf(t, "edit job %s failed", job.id());
                job.failed(EditJob.State.FAILED, "internal", String.valueOf(t.getMessage()));
            }
        });
        return job;
    }

    /** Returns job {@code id}, or throws {@link NotFoundException}. */
    public EditJob get(String id) {
        synchronized (jobs) {
            EditJob j = jobs.get(id);
            if (j == null) {
                throw new NotFoundException("no job \"" + id + "\" on this host (jobs are kept in memory, the last "
                        + keep + ")");
            }
            return j;
        }
    }

    /** Returns the job after asking it to stop. */
    public EditJob.Snapshot cancel(String id) {
        EditJob j = get(id);
        j.requestCancel();
        return j.snapshot();
    }

    /** Returns the job's states from now until it ends: the current one first, then one per change. */
    public Multi<EditJob.Snapshot> watch(String id) {
        EditJob job = get(id);
        return Multi.createFrom().emitter(emitter -> {
            Runnable stop = job.listen(s -> {
                emitter.emit(s);
                if (s.state().terminal()) {
                    emitter.complete();
                }
            });
            emitter.onTermination(stop);
            EditJob.Snapshot now = job.snapshot();
            emitter.emit(now);
            if (now.state().terminal()) {
                emitter.complete();
            }
        });
    }
}
