package dev.amend.server.jobs;

import dev.amend.server.InternalErrors;
import dev.amend.server.editing.EditOrder;
import dev.amend.server.editing.EditOutcome;
import dev.amend.server.editing.EditService;
import io.smallrye.mutiny.Multi;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/** Edits run in the background: submitted, polled, watched as a stream of states, cancelled. */
@ApplicationScoped
public class EditJobs {
    @Inject
    EditService edits;

    @ConfigProperty(name = "amend.jobs.keep", defaultValue = "100")
    int keep;

    private JobTable<EditOutcome> jobs;

    @PostConstruct
    void start() {
        jobs = new JobTable<>("job", keep);
    }

    /**
     * Returns a new job for {@code order}, validated first (bad input throws at once, nothing is queued). When the
     * order's idempotency key was used before, the job follows that edit instead (already done, or still running).
     */
    public Job<EditOutcome> submit(EditOrder order) {
        Job<EditOutcome> job = jobs.detached("j-", order.model(), order.method());
        EditService.Submission s = edits.start(order, job::progress, JobTable.cancelCheck(job));
        jobs.add(job);
        jobs.finish(job, s.replayed() ? s.future().thenApply(EditOutcome::asReplayed) : s.future());
        return job;
    }

    /** Returns job {@code id}, or throws {@link dev.amend.server.model.NotFoundException}. */
    public Job<EditOutcome> get(String id) {
        return jobs.get(id);
    }

    /** Returns the job after asking it to stop. */
    public Job.Snapshot<EditOutcome> cancel(String id) {
        return jobs.cancel(id);
    }

    /** Returns the job's states from now until it ends: the current one first, then one per change. */
    public Multi<Job.Snapshot<EditOutcome>> watch(String id) {
        return jobs.watch(id);
    }
}
