package dev.amend.server.model;

import dev.amend.runtime.ledger.EditLedger;
import dev.amend.runtime.ledger.LedgerUnavailableException;
import java.time.Duration;
import org.jboss.logging.Logger;

/**
 * Keeps a served model on the history it shares with other replicas: a daemon thread waits for word of their changes
 * (LISTEN/NOTIFY, at most {@value #WAIT_MILLIS} ms at a time, and reads the journal every
 * {@value #CHECK_EVERY} waits anyway) and applies their edits and rollbacks to the serving weights. While the
 * database is away it retries quietly; generation goes on with the weights it has.
 */
final class LedgerFollower implements AutoCloseable {
    static final long WAIT_MILLIS = 500;
    static final int CHECK_EVERY = 10;

    private static final Logger LOG = Logger.getLogger(LedgerFollower.class);

    private final HostedModel model;
    private final Thread thread;
    private volatile boolean closed;
    private boolean outage;

    /** Starts following {@code model}'s shared ledger. */
    LedgerFollower(HostedModel model) {
        this.model = model;
        this.thread = new Thread(this::follow, "amend-follow-" + model.name());
        thread.setDaemon(true);
        thread.start();
    }

    private void follow() {
        EditLedger ledger = model.ledger();
        long rounds = 0;
        while (!closed) {
            try {
                boolean told = ledger.awaitChange(Duration.ofMillis(WAIT_MILLIS));
                if (closed || !(told || ++rounds % CHECK_EVERY == 0)) {
                    continue;
                }
                EditLedger.CatchUp c = model.catchUp();
                if (!c.isEmpty()) {
                    LOG.infof("model %s: applied %d edit(s) and %d rollback(s) of other replicas (now at record %d)",
                            model.name(), c.added().size(), c.rolledBack().size(), ledger.lastSequence());
                }
                if (outage) {
                    LOG.infof("model %s: the shared ledger answers again", model.name());
                    outage = false;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (LedgerUnavailableException e) {
                if (!outage) {
                    LOG.warnf("model %s: cannot follow the shared ledger now (%s); generation goes on with the"
                            + " weights applied so far", model.name(), e.getMessage());
                    outage = true;
                }
            } catch (RuntimeException e) {
                if (closed) {
                    return;
                }
                LOG.errorf(e, "model %s: applying other replicas' changes failed", model.name());
                sleepQuietly();
            }
        }
    }

    private static void sleepQuietly() {
        try {
            Thread.sleep(WAIT_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Stops following (waits briefly for the thread). */
    @Override
    public void close() {
        closed = true;
        thread.interrupt();
        try {
            thread.join(2 * WAIT_MILLIS + 1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
