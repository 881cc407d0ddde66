package dev.amend.server.jobs;

import dev.amend.server.editing.EditOrder;
import dev.amend.server.editing.EditOutcome;
import dev.amend.server.editing.EditService;
import dev.amend.server.model.NotFoundException;
import io.smallrye.mutiny.Multi;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Edits run in the background: submitted, polled, watched as a stream of states, cancelled. With a shared ledger
 * database they are also recorded there ({@link SharedEditJobs}), so any replica answers for them.
 */
@ApplicationScoped
public class EditJobs {
    @Inject
    EditService edits;

    @Inject
    SharedEditJobs shared;

    @ConfigProperty(name = "amend.jobs.keep", defaultValue = "100")
    int keep;

    private JobTable<EditOutcome> jobs;

    @PostConstruct
    void start() {
        jobs = new JobTable<>("job", keep);
    }

    /**
     * Returns a new job for {@code order}, validated first (bad input throws at once, nothing is queued). When the
     * order's idempotency key was used before, the job follows that edit instead (already done, or still running);
     * with a shared ledger database, it is the job recorded there with that key, accepted by any replica.
     */
    public Job<EditOutcome> submit(EditOrder order) {
        Job<EditOutcome> job = jobs.detached("j-", order.model(), order.method());
        BooleanSupplier cancelled = JobTable.cancelCheck(job);
        String recorded = null;
        if (shared.enabled()) {
            Optional<String> live = shared.claim(job, order);
            if (live.isPresent()) {
                return get(live.get());
            }
            shared.follow(job);
            cancelled = shared.cancelCheck(job, cancelled);
            recorded = job.id();
        }
        EditService.Submission s;
        try {
            s = edits.start(order, recorded, job::progress, cancelled);
        } catch (RuntimeException | Error e) {
            if (recorded != null) {
                shared.forget(job);
            }
            throw e;
        }
        jobs.add(job);
        jobs.finish(job, s.replayed() ? s.future().thenApply(EditOutcome::asReplayed) : s.future());
        return job;
    }

    /**
     * Returns job {@code id}: this host's, or, with a shared ledger database, one another replica accepted (as it is
     * now), or throws {@link dev.amend.server.model.NotFoundException}.
     */
    public Job<EditOutcome> get(String id) {
        Optional<Job<EditOutcome>> local = jobs.find(id);
        if (local.isPresent() || !shared.enabled()) {
            return local.orElseGet(() -> jobs.get(id));
        }
        return shared.find(id).map(Job::frozen).orElseThrow(() -> notShared(id));
    }

    /** Returns the job after asking it to stop (through the database when another replica runs it). */
    public Job.Snapshot<EditOutcome> cancel(String id) {
        if (jobs.find(id).isPresent() || !shared.enabled()) {
            return jobs.cancel(id);
        }
        return shared.cancel(id).orElseThrow(() -> notShared(id));
    }

    /** Returns the job's states from now until it ends: the current one first, then one per change. */
    public Multi<Job.Snapshot<EditOutcome>> watch(String id) {
        if (jobs.find(id).isPresent() || !shared.enabled()) {
            return jobs.watch(id);
        }
        return shared.watch(get(id).snapshot());
    }

    private static NotFoundException notShared(String id) {
        return new NotFoundException("no job \"" + id + "\" on any replica (the shared ledger database has no such"
                + " job)");
    }
}
