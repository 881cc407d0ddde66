package dev.amend.server.editing;

import dev.amend.server.limits.BusyException;
import java.util.HashMap;
import java.util.Map;

/**
 * The edits each model has queued or running (jobs and synchronous edits alike), bounded by
 * {@code amend.edit.max-queued}; a refusal says when to retry from the recent edits' wall times.
 */
final class EditBacklog {
    private final Map<String, Integer> pending = new HashMap<>();
    private double averageSeconds = 5;

    /** Counts one more edit for {@code model}, or throws {@link BusyException} when it has {@code max} already. */
    synchronized void enter(String model, int max) {
        int now = pending.getOrDefault(model, 0);
        if (now >= max) {
            int retry = (int) Math.ceil(averageSeconds);
            throw new BusyException("model " + model + " has " + now + " edits queued or running, the most it takes"
                    + " (amend.edit.max-queued=" + max + "): retry in about " + retry + " s", retry);
        }
        pending.put(model, now + 1);
    }

    /** Counts an edit of {@code model} as ended after {@code seconds} of wall time. */
    synchronized void leave(String model, double seconds) {
        pending.merge(model, -1, Integer::sum);
        if (pending.get(model) <= 0) {
            pending.remove(model);
        }
        if (seconds > 0 && Double.isFinite(seconds)) {
            averageSeconds = 0.8 * averageSeconds + 0.2 * seconds;
        }
    }
}
