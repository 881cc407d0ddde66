package dev.amend.runtime.editing;

import dev.amend.spi.edit.Edit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The seconds an editor reports for its steps in an edit's metadata ({@code seconds_statistics}, ...). */
public final class EditTimings {
    /** The steps, in report order. */
    public static final List<String> STEPS = List.of("statistics", "optimisation", "insertion");

    private EditTimings() {
    }

    /** Returns step → seconds for the steps {@code edit}'s metadata reports, in {@link #STEPS} order. */
    public static Map<String, Double> of(Edit edit) {
        Map<String, Double> out = new LinkedHashMap<>();
        for (String step : STEPS) {
            if (edit.metadata().get("seconds_" + step) instanceof Number n) {
                out.put(step, n.doubleValue());
            }
        }
        return out;
    }

    /** Returns the seconds of {@code step} in {@code edit}, or NaN when the editor does not report it. */
    public static double of(Edit edit, String step) {
        return of(edit).getOrDefault(step, Double.NaN);
    }
}
