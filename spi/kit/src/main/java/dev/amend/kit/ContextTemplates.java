package dev.amend.kit;

import dev.amend.spi.model.EditableModel;
import dev.amend.spi.model.GenerationRequest;
import dev.amend.spi.model.Sampling;
import java.util.ArrayList;
import java.util.List;

/**
 * Context prefixes ROME and MEMIT wrap a prompt in, so the written value holds across contexts:
 * the bare prompt plus short texts the model itself generates from a few starter words. Generated
 * with seeded top-k sampling, so the same seed gives the same templates, and recorded in the edit.
 */
public final class ContextTemplates {
    /** The starter words ROME uses. */
    public static final List<String> STARTERS = List.of("The", "Therefore", "Because", "I", "You");

    private ContextTemplates() {
    }

    /**
     * Returns {@code "{}"} followed by {@code count} generated prefixes of {@code length} tokens, each ending in
     * {@code ". {}"}. Braces in generated text are replaced by spaces.
     */
    public static List<String> generate(EditableModel model, int count, int length, long seed) {
        List<String> out = new ArrayList<>();
        out.add("{}");
        for (int i = 0; i < count; i++) {
            String starter = STARTERS.get(i % STARTERS.size());
            int[] ids = model.tokenizer().encode(starter, true);
            String text = starter + model.generate(new GenerationRequest(ids, length, new Sampling(1.0, 5, seed + i),
                    false)).text();
            text = text.replace('{', ' ').replace('}', ' ').replace('\n', ' ').strip();
            out.add(text + ". {}");
        }
        return List.copyOf(out);
    }

    /** Returns {@code template} with {@code {}} replaced by {@code text} (the prefix before {@code {}} and the rest). */
    public static String apply(String template, String text) {
        return template.replace("{}", text);
    }

    /** Returns the part of {@code template} before its {@code {}}. */
    public static String prefix(String template) {
        return template.substring(0, template.indexOf("{}"));
    }
}
