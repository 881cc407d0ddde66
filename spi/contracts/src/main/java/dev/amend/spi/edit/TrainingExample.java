package dev.amend.spi.edit;

import java.util.List;
import java.util.Objects;

/**
 * One example a learned editor trains on: an edit, other phrasings that should follow it, and unrelated
 * prompts that should not.
 *
 * @param edit        the edit request (prompt with the subject, new target)
 * @param rephrasings other prompts (subject filled in) whose continuation should become the new target
 * @param locality    prompts (filled in) with their current continuation, which the edit should keep
 */
public record TrainingExample(EditRequest edit, List<String> rephrasings, List<Locality> locality) {

    /**
     * A prompt whose next-token distribution over {@code continuation} should stay as it was.
     *
     * @param prompt       the prompt, filled in
     * @param continuation the model's answer, e.g. the true object
     */
    public record Locality(String prompt, String continuation) {
        /** Checks the fields. */
        public Locality {
            Objects.requireNonNull(prompt, "prompt");
            Objects.requireNonNull(continuation, "continuation");
        }
    }

    /** Copies the lists. */
    public TrainingExample {
        Objects.requireNonNull(edit, "edit");
        rephrasings = List.copyOf(rephrasings);
        locality = List.copyOf(locality);
    }
}
