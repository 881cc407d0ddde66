package dev.amend.kit;

import dev.amend.spi.InvalidRequestException;
import dev.amend.spi.Locator;
import dev.amend.spi.edit.EditRequest;
import dev.amend.spi.model.TextTokenizer;
import java.util.Locale;

/** The locators every locate-then-edit method chooses from, by name ({@code fact_token} in EasyEdit files). */
public final class Locators {
    private Locators() {
    }

    /** The last token of the subject (ROME/MEMIT's {@code subject_last}). */
    public static final Locator SUBJECT_LAST = (tok, prefix, req) -> {
        String before = prefix + req.prompt().substring(0, req.prompt().indexOf("{}"));
        return tok.encode(before + req.subject(), true).length - 1;
    };

    /** The last token of the prompt ({@code last}). */
    public static final Locator LAST = (tok, prefix, req) -> tok.encode(prefix + req.filledPrompt(), true).length - 1;

    /** The first token of the subject ({@code subject_first}). */
    public static final Locator SUBJECT_FIRST = (tok, prefix, req) -> {
        String before = prefix + req.prompt().substring(0, req.prompt().indexOf("{}"));
        int[] withSubject = tok.encode(before + req.subject(), true);
        int[] withoutSubject = tok.encode(before.stripTrailing(), true);
        return Math.min(withoutSubject.length, withSubject.length - 1);
    };

    /** Returns the locator at a fixed token index (negative counts from the end of the prompt). */
    public static Locator position(int index) {
        return (tok, prefix, req) -> {
            int n = tok.encode(prefix + req.filledPrompt(), true).length;
            int i = index < 0 ? n + index : index;
            if (i < 0 || i >= n) {
                throw new InvalidRequestException("position " + index + " lies outside the prompt of " + n + " tokens");
            }
            return i;
        };
    }

    /** Returns the locator called {@code name}: subject_last, subject_first, last, or a number. */
    public static Locator named(String name) {
        String n = name.trim().toLowerCase(Locale.ROOT);
        switch (n) {
            case "subject_last", "subject-last":
                return SUBJECT_LAST;
            case "subject_first", "subject-first":
                return SUBJECT_FIRST;
            case "last":
                return LAST;
            default:
                try {
                    return position(Integer.parseInt(n));
                } catch (NumberFormatException e) {
                    throw new InvalidRequestException("unknown fact_token \"" + name
                            + "\" (use subject_last, subject_first, last or a token index)");
                }
        }
    }

    /** Returns the located index in {@code prefix + request}, checked to lie inside the tokens. */
    public static int locate(Locator locator, TextTokenizer tok, String prefix, EditRequest request) {
        int i = locator.locate(tok, prefix, request);
        if (i < 0) {
            throw new InvalidRequestException("could not locate the subject \"" + request.subject() + "\" in \""
                    + request.filledPrompt() + "\"");
        }
        return i;
    }
}
