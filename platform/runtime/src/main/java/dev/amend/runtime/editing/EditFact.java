package dev.amend.runtime.editing;

import java.util.List;
import java.util.Map;

/**
 * One fact to write as a client gives it, before checking: the request's parts (any may be null or blank,
 * {@link EditLimits#check} says what to fix) and optional evaluation material.
 *
 * @param prompt        the prompt with {@code {}} for the subject, or containing the subject verbatim
 * @param subject       the subject
 * @param target        the new answer
 * @param paraphrases   rephrased prompts with the subject filled in (generalisation); may be null
 * @param neighbourhood unrelated prompts with their answers (specificity); may be null
 */
public record EditFact(String prompt, String subject, String target, List<String> paraphrases,
                       Map<String, String> neighbourhood) {
    /**
     * Copies the collections (null collections become empty; null elements are kept, unmodifiable, for
     * {@link EditLimits#check} to refuse with a message).
     */
    public EditFact {
        paraphrases = paraphrases == null ? List.of()
                : java.util.Collections.unmodifiableList(new java.util.ArrayList<>(paraphrases));
        neighbourhood = neighbourhood == null ? Map.of()
                : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(neighbourhood));
    }
}
