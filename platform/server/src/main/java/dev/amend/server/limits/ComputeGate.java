package dev.amend.server.limits;

import java.util.concurrent.TimeUnit;

/**
 * Shares the processor between generations and edits. At most {@code maxConcurrent} generations run at once, and
 * while an edit is computing at most {@code maxWhileEditing}: the edit thread then gets its share of the cores
 * however many clients generate, so an edit under generation load takes about as long as an idle one. A
 * generation that finds no free slot waits, in arrival order, up to {@code maxWaitMillis}; when {@code maxWaiting}
 * generations already wait, or the wait runs out, it is refused with {@link BusyException}. Edits never wait here.
 */
public final class ComputeGate {
    private final int maxConcurrent;
    private final int maxWhileEditing;
    private final int maxWaiting;
    private final long maxWaitMillis;
    private final java.util.ArrayDeque<Object> queue = new java.util.ArrayDeque<>();
    private int running;
    private int editing;

    /** Returns a gate with the given limits (each at least 1; {@code maxWhileEditing} at most {@code maxConcurrent}). */
    public ComputeGate(int maxConcurrent, int maxWhileEditing, int maxWaiting, long maxWaitMillis) {
        this.maxConcurrent = Math.max(1, maxConcurrent);
        this.maxWhileEditing = Math.max(1, Math.min(maxWhileEditing, this.maxConcurrent));
        this.maxWaiting = Math.max(0, maxWaiting);
        this.maxWaitMillis = Math.max(0, maxWaitMillis);
    }

    /** Returns the generations allowed to run at once now. */
    public synchronized int limit() {
        return editing > 0 ? maxWhileEditing : maxConcurrent;
    }

    /** Returns the generations running now. */
    public synchronized int running() {
        return running;
    }

    /**
     * Waits for a generation slot, in arrival order, and takes it; the caller must {@link #leaveGeneration} after.
     *
     * @throws BusyException when too many generations wait already, or no slot freed up within the wait limit
     */
    public synchronized void enterGeneration() {
        if (queue.isEmpty() && running < limit()) {
            running++;
            return;
        }
        if (queue.size() >= maxWaiting) {
            throw busy(queue.size() + " generations are waiting for one of " + limit() + " slots"
                    + " (amend.generate.max-waiting is " + maxWaiting + ")");
        }
        Object me = new Object();
        queue.add(me);
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(maxWaitMillis);
        try {
            while (queue.peek() != me || running >= limit()) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw busy("no generation slot freed up within " + maxWaitMillis + " ms"
                            + " (amend.generate.max-wait)");
                }
                TimeUnit.NANOSECONDS.timedWait(this, left);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            queue.remove(me);
            notifyAll();
            throw busy("interrupted while waiting for a generation slot");
        } catch (BusyException e) {
            queue.remove(me);
            notifyAll();
            throw e;
        }
        queue.poll();
        running++;
        notifyAll();
    }

    /** Gives back a slot taken by {@link #enterGeneration}. */
    public synchronized void leaveGeneration() {
        running--;
        notifyAll();
    }

    /** Records that an edit started computing (generations are held to the editing limit until it ends). */
    public synchronized void editStarted() {
        editing++;
    }

    /** Records that an edit stopped computing. */
    public synchronized void editEnded() {
        editing--;
        notifyAll();
    }

    private BusyException busy(String why) {
        return new BusyException("the host is generating as much as it is configured to: " + why
                + "; retry shortly", 1);
    }
}
