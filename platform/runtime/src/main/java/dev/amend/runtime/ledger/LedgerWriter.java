package dev.amend.runtime.ledger;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The right to change one ledger's history: a re-entrant lock in this process, plus the store's writer lock across
 * processes ({@link LedgerStore#lockWriter}), taken by a thread's first hold and given up by its last.
 */
public final class LedgerWriter {
    private static final System.Logger LOG = System.getLogger(LedgerWriter.class.getName());

    private final LedgerStore store;
    private final ReentrantLock local = new ReentrantLock();
    private AutoCloseable storeHold;

    LedgerWriter(LedgerStore store) {
        this.store = store;
    }

    /**
     * Returns a hold for the calling thread, after waiting for the other threads of this process that change the
     * history, and then at most {@code timeout} for the store's writer lock.
     *
     * @throws LedgerUnavailableException when the store's lock cannot be had in time or the store does not answer
     */
    Hold lock(Duration timeout) {
        local.lock();
        if (local.getHoldCount() == 1) {
            try {
                storeHold = store.lockWriter(timeout);
            } catch (IOException e) {
                local.unlock();
                throw new LedgerUnavailableException("edit ledger " + store.location() + ": could not take the writer"
                        + " lock: " + e.getMessage(), e);
            } catch (RuntimeException | Error e) {
                local.unlock();
                throw e;
            }
        }
        return new Hold();
    }

    /** Returns true when the calling thread holds the right. */
    public boolean isHeldByCurrentThread() {
        return local.isHeldByCurrentThread();
    }

    /** One thread's hold on the right; closing it (on that thread) gives it up. */
    public final class Hold implements AutoCloseable {
        private boolean released;

        private Hold() {
        }

        /** Gives the hold up; the last hold of the thread releases the store's lock. */
        @Override
        public void close() {
            if (released) {
                return;
            }
            released = true;
            if (local.getHoldCount() == 1 && storeHold != null) {
                try {
                    storeHold.close();
                } catch (Exception e) {
                    LOG.log(Level.WARNING, "edit ledger {0}: releasing the writer lock failed: {1}", store.location(),
                            e.getMessage());
                }
                storeHold = null;
            }
            local.unlock();
        }
    }

    /** Does nothing more than the store's close does (it releases what the store holds). */
    void close() {
        // the store's own close releases its lock; holds closed afterwards only unlock this process's lock
    }
}
