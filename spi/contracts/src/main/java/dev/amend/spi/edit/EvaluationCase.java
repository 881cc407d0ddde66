package dev.amend.spi.edit;

import java.util.List;
import java.util.Map;

/**
 * One edit request with what it is checked against.
 *
 * @param request       the edit
 * @param trueTarget    the old answer (e.g. {@code " Paris"}), for probability comparisons; may be null
 * @param paraphrases   rephrased prompts with the subject filled in (generalisation)
 * @param neighbourhood prompts about other subjects with their true answers (specificity), prompt → answer
 * @param portability   related questions with answers that should follow from the edit, prompt → answer
 * @param baseline      pre-edit observations keyed by prompt (e.g. greedy answers), filled before the edit
 */
public record EvaluationCase(
        EditRequest request,
        String trueTarget,
        List<String> paraphrases,
        Map<String, String> neighbourhood,
        Map<String, String> portability,
        Map<String, String> baseline) {
    /** Copies the collections. */
    public EvaluationCase {
        paraphrases = List.copyOf(paraphrases);
        neighbourhood = Map.copyOf(neighbourhood);
        portability = Map.copyOf(portability);
        baseline = Map.copyOf(baseline);
    }
}
