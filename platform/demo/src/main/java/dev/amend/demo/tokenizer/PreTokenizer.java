package dev.amend.demo.tokenizer;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Cuts text before BPE as Hugging Face does for GPT-2: around special tokens first, then into GPT-2's
 * pre-tokens. The regex uses {@link Pattern#UNICODE_CHARACTER_CLASS}, so {@code \s} is Unicode
 * {@code White_Space} as in Oniguruma (see {@link ByteLevelBpe} for the Unicode-version caveat).
 */
final class PreTokenizer {
    /** GPT-2's pre-tokenisation regex, with Unicode whitespace as Oniguruma defines {@code \s}. */
    static final Pattern PRE_TOKEN = Pattern.compile(
            "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+",
            Pattern.UNICODE_CHARACTER_CLASS);

    /** A run of text that is either exactly one special token or free of them. */
    record Segment(String text, boolean special) {}

    private PreTokenizer() {
    }

    /** Splits {@code text} into GPT-2 pre-tokens, covering it entirely, in order. */
    static List<String> preTokenize(String text) {
        List<String> pieces = new ArrayList<>();
        Matcher matcher = PRE_TOKEN.matcher(text);
        int covered = 0;
        while (matcher.find()) {
            if (matcher.start() > covered) {
                pieces.add(text.substring(covered, matcher.start()));
            }
            pieces.add(matcher.group());
            covered = matcher.end();
        }
        if (covered < text.length()) {
            pieces.add(text.substring(covered));
        }
        return pieces;
    }

    /**
     * Splits {@code text} around special tokens, leftmost match first and the longest token at a position,
     * as Hugging Face's added-vocabulary matcher does.
     */
    static List<Segment> splitAroundSpecialTokens(String text, List<String> specials) {
        if (specials.isEmpty()) {
            return List.of(new Segment(text, false));
        }
        List<Segment> segments = new ArrayList<>();
        int plainStart = 0;
        int i = 0;
        while (i < text.length()) {
            String match = null;
            for (String special : specials) {
                if (text.startsWith(special, i) && (match == null || special.length() > match.length())) {
                    match = special;
                }
            }
            if (match == null) {
                i++;
                continue;
            }
            if (i > plainStart) {
                segments.add(new Segment(text.substring(plainStart, i), false));
            }
            segments.add(new Segment(match, true));
            i += match.length();
            plainStart = i;
        }
        if (plainStart < text.length()) {
            segments.add(new Segment(text.substring(plainStart), false));
        }
        return segments;
    }
}
