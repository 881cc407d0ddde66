package dev.amend.kit;

import dev.amend.spi.model.EditableModel;
import dev.amend.spi.model.GenerationRequest;
import dev.amend.spi.model.GenerationResult;
import dev.amend.spi.model.Sampling;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalInt;

/**
 * Context prefixes ROME and MEMIT wrap a prompt in, so the written value holds across contexts: the bare
 * prompt plus short texts the model itself generates by top-k sampling (k = 5), each followed by
 * {@code ". {}"}. Seeded, so the same seed gives the same templates, and recorded in the edit.
 *
 * <p>The two reference codes start their texts differently: ROME's {@code get_context_templates} samples from
 * the start-of-text token alone ({@link #rome}), MEMIT's from the starter words {@link #STARTERS}
 * ({@link #memit}). In both a length counts every token of the text, its start included, and the text is
 * NFKD-normalised with blank lines turned into spaces. Braces in generated text become spaces, so a
 * template holds exactly one {@code {}} (MEMIT does this; ROME's code would break on a generated brace).
 */
public final class ContextTemplates {
    /** The starter words MEMIT (and AlphaEdit) generate its prefixes from. */
    public static final List<String> STARTERS = List.of("The", "Therefore", "Because", "I", "You");
    /** The k of the top-k sampling. */
    private static final int TOP_K = 5;
    /** Seeds of successive length groups lie this far apart. */
    private static final long GROUP_SEED_STRIDE = 1000;

    private ContextTemplates() {
    }

    /**
     * Returns MEMIT's templates: the group {@code ["{}"]}, then per pair {@code [length, count]} of
     * {@code lengthParams} a group of {@code count} texts of {@code length} tokens, each starter word of
     * {@link #STARTERS} taking {@code count / 5} of them in turn (the first {@code count % 5} starters one more,
     * where MEMIT would drop them).
     */
    public static TemplateGroups memit(EditableModel model, List<List<Integer>> lengthParams, long seed) {
        List<List<String>> groups = new ArrayList<>();
        groups.add(List.of("{}"));
        long s = seed;
        for (List<Integer> lp : lengthParams) {
            int length = lp.get(0);
            int count = lp.get(1);
            List<String> group = new ArrayList<>();
            for (int w = 0; w < STARTERS.size(); w++) {
                int perStarter = count / STARTERS.size() + (w < count % STARTERS.size() ? 1 : 0);
                for (int i = 0; i < perStarter; i++) {
                    int[] start = model.tokenizer().encode(STARTERS.get(w), true);
                    group.add(template(model, start, length, s + group.size(), true));
                }
            }
            if (!group.isEmpty()) {
                groups.add(group);
            }
            s += GROUP_SEED_STRIDE;
        }
        return new TemplateGroups(groups);
    }

    /**
     * Returns ROME's templates, one group: {@code "{}"}, then per pair {@code [length, count]} of
     * {@code lengthParams} {@code count} texts of {@code length} tokens sampled from the start-of-text token
     * (the beginning-of-sequence token where the model has one, else its end-of-text token; MEMIT's starter
     * words for a tokenizer with neither).
     */
    public static TemplateGroups rome(EditableModel model, List<List<Integer>> lengthParams, long seed) {
        OptionalInt bos = model.tokenizer().bos();
        OptionalInt start = bos.isPresent() ? bos : model.tokenizer().eos();
        if (start.isEmpty()) {
            return new TemplateGroups(List.of(memit(model, lengthParams, seed).flat()));
        }
        List<String> templates = new ArrayList<>(List.of("{}"));
        long s = seed;
        for (List<Integer> lp : lengthParams) {
            for (int i = 0; i < lp.get(1); i++) {
                templates.add(template(model, new int[] {start.getAsInt()}, lp.get(0), s + i, false));
            }
            s += GROUP_SEED_STRIDE;
        }
        return TemplateGroups.single(templates);
    }

    /**
     * Returns {@code "{}"} followed by {@code count} generated prefixes of {@code length} tokens, each ending in
     * {@code ". {}"}: MEMIT's starters, as one flat list.
     */
    public static List<String> generate(EditableModel model, int count, int length, long seed) {
        List<String> out = new ArrayList<>(List.of("{}"));
        out.addAll(memit(model, List.of(List.of(length, count)), seed).flat().subList(1, 1 + count));
        return List.copyOf(out);
    }

    /** Samples a text of {@code length} tokens from {@code start} and returns it as a template. */
    private static String template(EditableModel model, int[] start, int length, long seed, boolean keepStart) {
        GenerationResult g = model.generate(new GenerationRequest(start, Math.max(0, length - start.length),
                new Sampling(1.0, TOP_K, seed), false));
        int[] ids = keepStart ? concat(g.promptIds(), g.generatedIds()) : g.generatedIds();
        String text = Normalizer.normalize(model.tokenizer().decode(ids), Normalizer.Form.NFKD)
                .replace("\n\n", " ").replace('{', ' ').replace('}', ' ');
        return text + ". {}";
    }

    private static int[] concat(int[] a, int[] b) {
        int[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
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
