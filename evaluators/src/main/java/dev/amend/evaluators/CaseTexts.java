package dev.amend.evaluators;

import dev.amend.spi.InvalidRequestException;
import dev.amend.spi.edit.EvaluationCase;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** The texts of an evaluation case as every evaluator here reads them. */
final class CaseTexts {
    private CaseTexts() {
    }

    /** Returns the case's paraphrases followed by those of its request that it does not already list. */
    static List<String> paraphrases(EvaluationCase c) {
        Set<String> all = new LinkedHashSet<>(c.paraphrases());
        all.addAll(c.request().paraphrases());
        return new ArrayList<>(all);
    }

    /**
     * Returns {@code answer} as it is scored after {@code prompt}: with a leading space added when
     * neither has one, the same rule {@link dev.amend.spi.edit.EditRequest} applies to its target.
     */
    static String continuation(String prompt, String answer) {
        if (answer == null || answer.isEmpty()) {
            throw new InvalidRequestException("the answer to \"" + prompt + "\" is empty: give the expected continuation");
        }
        return answer.startsWith(" ") || prompt.endsWith(" ") ? answer : " " + answer;
    }
}
