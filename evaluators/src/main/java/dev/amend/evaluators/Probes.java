package dev.amend.evaluators;

import dev.amend.kit.TargetScoring;
import dev.amend.spi.model.EditableModel;
import java.util.ArrayList;
import java.util.List;

/** Prompt/answer pairs gathered from all cases so that they are scored in one batched pass. */
final class Probes {
    private final List<String> prompts = new ArrayList<>();
    private final List<String> answers = new ArrayList<>();

    /** Adds the pair and returns its index in {@link #score} and {@link #argmax}. */
    int add(String prompt, String answer) {
        prompts.add(prompt);
        answers.add(CaseTexts.continuation(prompt, answer));
        return prompts.size() - 1;
    }

    /** Returns the teacher-forced scores of every pair, in the order they were added. */
    List<TargetScoring.Scored> score(EditableModel model) {
        return prompts.isEmpty() ? List.of() : TargetScoring.score(model, prompts, answers);
    }

    /** Returns the model's argmax ids at the answer positions of every pair, in the order they were added. */
    List<int[]> argmax(EditableModel model) {
        return prompts.isEmpty() ? List.of() : TeacherForcedArgmax.of(model, prompts, answers);
    }
}
