package dev.amend.evaluators;

import dev.amend.spi.edit.EditRequest;
import dev.amend.spi.edit.EvaluationCase;
import dev.amend.spi.edit.Score;
import java.util.List;
import java.util.Map;

/** Builds evaluation cases and reads scores in the tests. */
final class TestCases {
    private TestCases() {
    }

    /** Returns a case editing {@code prompt} (filled, its first word taken as the subject) to {@code target}. */
    static EvaluationCase of(String prompt, String target, String trueTarget, List<String> paraphrases,
                             Map<String, String> neighbourhood, Map<String, String> portability) {
        EditRequest request = new EditRequest(prompt, prompt.split(" ")[0], target, List.of());
        return new EvaluationCase(request, trueTarget, paraphrases, neighbourhood, portability, Map.of());
    }

    /** Returns the score named {@code metric}, or throws when there is none. */
    static Score score(List<Score> scores, String metric) {
        return scores.stream().filter(s -> s.metric().equals(metric)).findFirst()
                .orElseThrow(() -> new AssertionError("no " + metric + " in " + scores));
    }

    /** Returns true when some score is named {@code metric}. */
    static boolean has(List<Score> scores, String metric) {
        return scores.stream().anyMatch(s -> s.metric().equals(metric));
    }
}
