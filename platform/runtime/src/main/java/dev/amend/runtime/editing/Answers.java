package dev.amend.runtime.editing;

import dev.amend.spi.model.EditableModel;
import dev.amend.spi.model.GenerationRequest;
import java.util.ArrayList;
import java.util.List;

/**
 * The one rule for a model's answer to a prompt, shown before and after an edit: its greedy continuation of
 * {@value #TOKENS} tokens, cut at the first period or line end.
 */
public final class Answers {
    /** Tokens generated for an answer. */
    public static final int TOKENS = 8;

    private Answers() {
    }

    /** Returns the answer of {@code model} to {@code prompt}. */
    public static String of(EditableModel model, String prompt) {
        String text = model.generate(GenerationRequest.greedy(model.tokenizer().encode(prompt, true), TOKENS)).text();
        int end = text.length();
        for (char stop : new char[] {'.', '\n'}) {
            int at = text.indexOf(stop);
            if (at >= 0 && at < end) {
                end = at;
            }
        }
        return text.substring(0, end);
    }

    /** Returns the answers of {@code model} to {@code prompts}, in order. */
    public static List<String> of(EditableModel model, List<String> prompts) {
        List<String> out = new ArrayList<>();
        for (String p : prompts) {
            out.add(of(model, p));
        }
        return out;
    }
}
