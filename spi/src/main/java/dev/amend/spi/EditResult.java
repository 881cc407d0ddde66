package dev.amend.spi;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * An edit together with how it scored and how long its steps took.
 *
 * @param edit    the edit
 * @param scores  scores measured after applying it
 * @param timings step name → duration (e.g. {@code statistics}, {@code optimisation}, {@code insertion})
 */
public record EditResult(Edit edit, List<Score> scores, Map<String, Duration> timings) {
    /** Copies the collections. */
    public EditResult {
        scores = List.copyOf(scores);
        timings = Map.copyOf(timings);
    }
}
