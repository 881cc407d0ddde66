package dev.amend.evaluators;

import java.text.Normalizer;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Judges a generated answer against an expected one by normalised match, the rule of the generation-based
 * protocols ({@link GenerationMatchEvaluator}, the long-form bench's short questions).
 *
 * <p>Normalisation, applied to both texts: Unicode NFKD with combining marks and modifier letters removed
 * ({@code "Curaçao"} → {@code "curacao"}, {@code "Hawaiʻi"} → {@code "hawaii"}), lower case, every
 * character that is not a letter or a digit replaced by a space (so punctuation separates words:
 * {@code "J. K. Rowling"} → {@code "j k rowling"}, {@code "Port-au-Prince"} → {@code "port au prince"}), the
 * articles {@code a}, {@code an}, {@code the} removed as words, runs of whitespace collapsed to one space, both
 * ends stripped.
 *
 * <p>{@link #startsWith}: the normalised generation begins with the normalised expected answer and the next
 * character, if any, is a space, so it is a whole-word prefix ({@code "rome is"} matches {@code "rome"},
 * {@code "romeo"} does not). What the generation says after the answer is not judged.
 * {@link #mentions}: the normalised expected answer occurs in the normalised generation as whole words.
 * An answer that normalises to nothing never matches.
 */
public final class AnswerMatch {
    private static final Pattern MARKS = Pattern.compile("[\\p{M}\\p{Lm}]+");
    private static final Pattern NOT_WORD = Pattern.compile("[^\\p{L}\\p{N}]+");
    private static final Pattern ARTICLE = Pattern.compile("(^| )(a|an|the)(?= |$)");
    private static final Pattern SPACES = Pattern.compile(" +");

    private AnswerMatch() {
    }

    /** Returns {@code text} normalised as the class comment says. */
    public static String normalise(String text) {
        String s = MARKS.matcher(Normalizer.normalize(text, Normalizer.Form.NFKD)).replaceAll("");
        s = NOT_WORD.matcher(s.toLowerCase(Locale.ROOT)).replaceAll(" ");
        s = ARTICLE.matcher(" " + s + " ").replaceAll(" ");
        return SPACES.matcher(s).replaceAll(" ").strip();
    }

    /** Returns true when the normalised {@code generation} begins with the normalised {@code expected} as whole words. */
    public static boolean startsWith(String generation, String expected) {
        String g = normalise(generation);
        String e = normalise(expected);
        return !e.isEmpty() && g.startsWith(e) && (g.length() == e.length() || g.charAt(e.length()) == ' ');
    }

    /** Returns true when the normalised {@code expected} occurs in the normalised {@code generation} as whole words. */
    public static boolean mentions(String generation, String expected) {
        String e = normalise(expected);
        return !e.isEmpty() && (" " + normalise(generation) + " ").contains(" " + e + " ");
    }
}
