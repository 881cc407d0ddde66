package dev.amend.evaluators;

import dev.amend.spi.edit.Score;
import java.util.List;
import java.util.function.ToDoubleFunction;

/** A mean built up one observation at a time, reported as a {@link Score} once it has any. */
final class RunningMean {
    private double sum;
    private int count;

    /** Adds one observation. */
    void add(double value) {
        sum += value;
        count++;
    }

    /** Adds 1 when {@code won}, else 0. */
    void add(boolean won) {
        add(won ? 1.0 : 0.0);
    }

    /** Adds the mean of {@code value} over {@code items} as one observation; adds nothing when there are no items. */
    <T> void addMeanOf(List<T> items, ToDoubleFunction<T> value) {
        if (items.isEmpty()) {
            return;
        }
        double s = 0;
        for (T item : items) {
            s += value.applyAsDouble(item);
        }
        add(s / items.size());
    }

    /** Appends this mean to {@code scores} as {@code metric} under {@code protocol}, unless it has no observations. */
    void reportTo(List<Score> scores, String metric, String protocol) {
        if (count > 0) {
            scores.add(new Score(metric, protocol, sum / count, count));
        }
    }
}
