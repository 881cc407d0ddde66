package dev.amend.server;

import dev.amend.server.editing.EditService;
import dev.amend.server.editing.EditThread;
import io.quarkus.runtime.ShutdownDelayInitiatedEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.time.Duration;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * A graceful stop. On SIGTERM, before the HTTP server closes, the host stops taking changes (REST answers 503
 * {@code shutting_down} with Retry-After, gRPC UNAVAILABLE; reads and generation go on), reports not ready, and
 * waits up to {@code amend.shutdown.grace-period} for the edits, rollbacks and imports queued or running to end.
 * Edits still running then are cancelled (the model stays unchanged; a job ends {@code cancelled}, a waiting client
 * gets 409) and given up to {@code amend.shutdown.cancel-wait} to stop; then the host exits. Set Kubernetes'
 * {@code terminationGracePeriodSeconds} above the sum of both (docs/operations.md).
 */
@ApplicationScoped
public class ShutdownDrain {
    private static final Logger LOG = Logger.getLogger(ShutdownDrain.class);

    @ConfigProperty(name = "amend.shutdown.grace-period", defaultValue = "30s")
    Duration gracePeriod;

    @ConfigProperty(name = "amend.shutdown.cancel-wait", defaultValue = "10s")
    Duration cancelWait;

    @Inject
    EditService edits;

    @Inject
    EditThread thread;

    private volatile boolean draining;

    /** Returns true once the host has begun to stop: changes are refused from then on. */
    public boolean draining() {
        return draining;
    }

    /** Returns how long clients should wait before retrying a refused change elsewhere or later, in seconds. */
    public long retryAfterSeconds() {
        return Math.max(1, gracePeriod.plus(cancelWait).toSeconds());
    }

    void onShutdown(@Observes ShutdownDelayInitiatedEvent event) {
        drain();
    }

    /** Refuses changes from now on, waits for the work on the weights to end, cancels what is left; returns when done. */
    public void drain() {
        draining = true;
        int pending = thread.pending();
        if (pending == 0) {
            LOG.info("shutting down: no edit running");
            return;
        }
        LOG.infof("shutting down: waiting up to %s for %d edit(s), rollback(s) or import(s) to finish", gracePeriod,
                pending);
        if (waitForIdle(gracePeriod)) {
            LOG.info("shutting down: every edit finished");
            return;
        }
        LOG.warnf("shutting down: %d edit(s) still running after %s: cancelling them (the model stays unchanged)",
                thread.pending(), gracePeriod);
        edits.cancelAll();
        if (!waitForIdle(cancelWait)) {
            LOG.errorf("shutting down: %d edit(s) did not stop within %s after cancelling; exiting anyway (an edit"
                    + " not yet recorded is lost, a recorded one is replayed at start-up)", thread.pending(), cancelWait);
        }
    }

    private boolean waitForIdle(Duration limit) {
        long deadline = System.nanoTime() + limit.toNanos();
        while (thread.pending() > 0) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return thread.pending() == 0;
            }
        }
        return true;
    }
}
