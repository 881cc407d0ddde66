package dev.amend.bench;

import dev.amend.spi.InvalidRequestException;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * What a sequential run measures besides its scores: the numbers of edits after which it scores (none given: every
 * {@code checkpoint_every} edits, and after the last), the prompts of untouched facts whose greedy answers are
 * compared with the unedited model's at each checkpoint, and a budget of editor seconds after which the run stops at
 * its next checkpoint (0: none).
 *
 * @param checkpoints    ascending numbers of edits to score after; empty for every {@code checkpoint_every}
 * @param untouched      prompts of facts no edit of the run touches
 * @param maxEditSeconds stop at the first checkpoint after the editor has used this many seconds; 0 for no limit
 */
public record SequentialSchedule(List<Integer> checkpoints, List<String> untouched, double maxEditSeconds) {
    /** Scores every {@code checkpoint_every} edits, no untouched facts, no time limit. */
    public static final SequentialSchedule PLAIN = new SequentialSchedule(List.of(), List.of(), 0);

    /** The checkpoints of a lifelong run, cut at the number of edits. */
    public static final List<Integer> LIFELONG = List.of(100, 250, 500, 1000, 2000, 5000, 10000);

    /** Checks and copies. */
    public SequentialSchedule {
        checkpoints = List.copyOf(new TreeSet<>(checkpoints));
        untouched = List.copyOf(untouched);
        if (checkpoints.stream().anyMatch(c -> c < 1) || !(maxEditSeconds >= 0)) {
            throw new InvalidRequestException("checkpoints must be positive numbers of edits and the time budget >= 0,"
                    + " got " + checkpoints + " and " + maxEditSeconds);
        }
    }

    /**
     * Returns the lifelong checkpoints (100, 250, 500, 1000, ...) up to {@code edits}, and {@code edits}; below 100
     * edits a quarter, a half and all of them.
     */
    public static List<Integer> lifelong(int edits) {
        TreeSet<Integer> out = new TreeSet<>();
        if (edits < LIFELONG.get(0)) {
            for (int part : new int[] {4, 2, 1}) {
                out.add(Math.max(1, edits / part));
            }
        } else {
            LIFELONG.stream().filter(c -> c <= edits).forEach(out::add);
            out.add(edits);
        }
        return new ArrayList<>(out);
    }

    /** Returns true when the run scores after {@code done} of {@code total} edits. */
    public boolean scoresAfter(int done, int total, int every) {
        if (done >= total) {
            return true;
        }
        return checkpoints.isEmpty() ? done % every == 0 : checkpoints.contains(done);
    }
}
