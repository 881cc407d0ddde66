package dev.amend.server.jobs;

import dev.amend.runtime.ledger.LedgerEntry;
import dev.amend.runtime.ledger.PostgresJobStore;
import dev.amend.runtime.ledger.PostgresJobStore.JobRow;
import dev.amend.server.editing.EditKeys;
import dev.amend.server.editing.EditOrder;
import dev.amend.server.editing.EditOutcome;
import dev.amend.server.model.HostedModel;
import dev.amend.server.model.HostedModels;
import dev.amend.server.model.LedgerSettings;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Multi;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import org.jboss.logging.Logger;

/**
 * Edit jobs recorded in the shared ledger database ({@link PostgresJobStore}) when the host runs as one of several
 * replicas: a job is recorded before it is accepted, its start and end are noted (its success inside the transaction
 * that records its edit), and any replica reads, watches and cancels it. A job whose replica stopped reads as failed
 * ({@code replica_stopped}). Without a shared database ({@link #enabled} false) jobs live in memory only.
 */
@ApplicationScoped
public class SharedEditJobs {
    private static final Logger LOG = Logger.getLogger(SharedEditJobs.class);
    private static final long CANCEL_CHECK_NANOS = 1_000_000_000L;
    private static final long WATCH_MILLIS = 500;

    @Inject
    LedgerSettings settings;

    @Inject
    HostedModels models;

    private volatile PostgresJobStore store;

    void start(@Observes StartupEvent event) {
        settings.database().ifPresent(db -> store = PostgresJobStore.open(db, hostName()));
    }

    void stop(@Observes ShutdownEvent event) {
        if (store != null) {
            store.close();
        }
    }

    /** Returns true when jobs are recorded in a shared database. */
    boolean enabled() {
        return store != null;
    }

    /**
     * Returns empty after recording {@code job} (queued) for {@code order}, or the id of the live job recorded with the
     * same idempotency key, which {@code job} then is not (a different edit under that key is refused).
     */
    Optional<String> claim(Job<EditOutcome> job, EditOrder order) {
        String key = EditKeys.check(order.key());
        String fingerprint = key == null ? null : EditKeys.fingerprint(order);
        Optional<JobRow> live = store.insert(job.id(), order.model(), order.method(), key, fingerprint);
        live.ifPresent(row -> EditKeys.requireSame(key, row.fingerprint(), fingerprint));
        return live.map(JobRow::id);
    }

    /** Forgets {@code job}, refused before it was accepted. */
    void forget(Job<EditOutcome> job) {
        try {
            store.delete(job.id());
        } catch (RuntimeException e) {
            LOG.warnf("edit job %s, refused: %s", job.id(), e.getMessage());
        }
    }

    /** Notes {@code job}'s start and end in its row from now on. */
    void follow(Job<EditOutcome> job) {
        Job.State[] noted = {Job.State.QUEUED};
        job.listen(s -> {
            synchronized (noted) {
                if (s.state() == noted[0] || noted[0].terminal()) {
                    return;
                }
                noted[0] = s.state();
            }
            try {
                if (s.state() == Job.State.RUNNING) {
                    store.started(s.id());
                } else if (s.state().terminal()) {
                    store.ended(s.id(), s.state().name().toLowerCase(Locale.ROOT),
                            s.outcome() == null ? null : s.outcome().entry().id(), s.errorKind(), s.error());
                }
            } catch (RuntimeException e) {
                LOG.warnf("edit job %s: %s", s.id(), e.getMessage());
            }
        });
    }

    /** Returns {@code local}, the job's own cancel check, also asking the database about once a second. */
    BooleanSupplier cancelCheck(Job<EditOutcome> job, BooleanSupplier local) {
        long[] next = {System.nanoTime() + CANCEL_CHECK_NANOS};
        return () -> {
            if (!local.getAsBoolean() && System.nanoTime() >= next[0]) {
                next[0] = System.nanoTime() + CANCEL_CHECK_NANOS;
                try {
                    if (store.cancelRequested(job.id())) {
                        job.requestCancel();
                    }
                } catch (RuntimeException e) {
                    LOG.debugf("edit job %s: cancel check: %s", job.id(), e.getMessage());
                }
            }
            return job.cancelRequested();
        };
    }

    /** Returns job {@code id} as recorded (its replica's stop noted first), when the database has it. */
    Optional<Job.Snapshot<EditOutcome>> find(String id) {
        return store.find(id).map(this::snapshot);
    }

    /** Returns the job's state after asking the replica running it to stop. */
    Optional<Job.Snapshot<EditOutcome>> cancel(String id) {
        store.requestCancel(id);
        return find(id);
    }

    /** Returns the job's states as read every {@value #WATCH_MILLIS} ms, one per change, until it ends. */
    Multi<Job.Snapshot<EditOutcome>> watch(Job.Snapshot<EditOutcome> first) {
        return Multi.createFrom().emitter(emitter -> {
            Thread t = new Thread(() -> {
                Job.Snapshot<EditOutcome> last = first;
                emitter.emit(last);
                try {
                    while (!last.state().terminal() && !emitter.isCancelled()) {
                        Thread.sleep(WATCH_MILLIS);
                        Job.Snapshot<EditOutcome> now = find(first.id()).orElse(last);
                        if (now.state() != last.state()) {
                            emitter.emit(now);
                        }
                        last = now;
                    }
                    emitter.complete();
                } catch (InterruptedException e) {
                    emitter.complete();
                } catch (RuntimeException e) {
                    emitter.fail(e);
                }
            }, "amend-job-watch");
            t.setDaemon(true);
            emitter.onTermination(t::interrupt);
            t.start();
        });
    }

    private Job.Snapshot<EditOutcome> snapshot(JobRow r) {
        Job.State state = Job.State.valueOf(r.state().toUpperCase(Locale.ROOT));
        EditOutcome outcome = r.editId() == null ? null : outcome(r.model(), r.editId());
        return new Job.Snapshot<>(r.id(), r.model(), r.method(), state, "", 0, 0, outcome, r.error(), r.errorKind(),
                r.created(), r.finished());
    }

    /**
     * Returns the outcome of edit {@code editId}, waiting up to 2 s for this replica to apply it (another replica just
     * recorded it); null when it is not applied (rolled back since).
     */
    private EditOutcome outcome(String model, String editId) {
        HostedModel m = models.get(model);
        long end = System.nanoTime() + 2_000_000_000L;
        while (true) {
            Optional<LedgerEntry> e = m.read(() -> m.ledger().entry(editId));
            if (e.isPresent() || System.nanoTime() > end) {
                return e.map(EditKeys::outcome).orElse(null);
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
                return null;
            }
        }
    }

    private static String hostName() {
        String env = System.getenv("HOSTNAME");
        if (env != null && !env.isBlank()) {
            return env.strip();
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "amend";
        }
    }
}
