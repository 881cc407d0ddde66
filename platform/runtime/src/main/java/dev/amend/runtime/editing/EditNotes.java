package dev.amend.runtime.editing;

import dev.amend.spi.edit.Edit;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What an editor says about an edit that a caller should see beside the answers: the {@code warnings} of its
 * metadata (e.g. mom2_n_samples asking for more texts than the corpus holds, with how many were used) and
 * {@code non_finite_steps}, the delta optimisations that stopped on a loss or gradient that was not finite. A
 * decorator's edit (AnyEdit) also carries its base edits' warnings, read from {@code base_metadata}.
 *
 * @param warnings       the warnings, each once, in the order the metadata gives them
 * @param nonFiniteSteps the optimisations that stopped on a non-finite value (0 when the editor reports none)
 */
public record EditNotes(List<String> warnings, int nonFiniteSteps) {
    /** The metadata key of the warnings. */
    public static final String WARNINGS = "warnings";
    /** The metadata key of the count of optimisations that stopped on a non-finite value. */
    public static final String NON_FINITE_STEPS = "non_finite_steps";
    private static final String BASE_METADATA = "base_metadata";

    /** Copies the list. */
    public EditNotes {
        warnings = List.copyOf(warnings);
    }

    /** Returns the notes {@code edit}'s metadata holds. */
    public static EditNotes of(Edit edit) {
        return of(edit.metadata());
    }

    /** Returns the notes an edit's {@code metadata} holds (a decorator's base metadata included). */
    public static EditNotes of(Map<String, Object> metadata) {
        Set<String> warnings = new LinkedHashSet<>();
        collectWarnings(metadata, warnings);
        int nonFinite = metadata.get(NON_FINITE_STEPS) instanceof Number n ? n.intValue() : 0;
        return new EditNotes(new ArrayList<>(warnings), nonFinite);
    }

    /** Returns the notes as lines for a person, empty when there is nothing to say. */
    public List<String> lines() {
        List<String> lines = new ArrayList<>();
        warnings.forEach(w -> lines.add("warning: " + w));
        if (nonFiniteSteps > 0) {
            lines.add("warning: " + nonFiniteSteps + " delta optimisation(s) stopped on a loss or gradient that was"
                    + " not finite (non_finite_steps); the edit kept the last finite step");
        }
        return lines;
    }

    private static void collectWarnings(Object metadata, Set<String> into) {
        if (metadata instanceof Map<?, ?> m) {
            if (m.get(WARNINGS) instanceof List<?> l) {
                l.forEach(w -> into.add(String.valueOf(w)));
            } else if (m.get(WARNINGS) instanceof String s) {
                into.add(s);
            }
            collectWarnings(m.get(BASE_METADATA), into);
        } else if (metadata instanceof List<?> l) {
            l.forEach(o -> collectWarnings(o, into));
        }
    }
}
