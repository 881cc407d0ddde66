package dev.amend.kit;

import dev.amend.spi.Chunker;
import dev.amend.spi.InvalidRequestException;
import dev.amend.spi.edit.Chunk;
import dev.amend.spi.model.TextTokenizer;
import java.text.BreakIterator;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Cuts a target at sentence boundaries ({@link BreakIterator#getSentenceInstance}, with no break after common
 * titles and abbreviations such as "Dr." or "e.g.", which its rules treat as sentence ends) or, for code and
 * poetry, at line breaks. Each boundary moves to the last token boundary at or before it, so a token
 * that carries the space before a sentence ({@code " The"}) starts the new chunk and the key token is
 * the end of the sentence before. Chunks shorter than {@code minTokens} join the next one (the last one joins
 * the one before); chunks longer than {@code maxTokens} are cut into windows of {@code maxTokens}, a remainder
 * shorter than {@code minTokens} staying with the window before (so a chunk has at most
 * {@code maxTokens + minTokens − 1} tokens).
 */
public final class SentenceChunker implements Chunker {

    /** How boundaries are found. */
    public enum Mode {
        /** sentences, or lines when the text looks like code or verse ({@link #looksLined}) */
        AUTO,
        /** sentences with {@link BreakIterator} */
        SENTENCES,
        /** line breaks: a chunk ends after each newline */
        LINES
    }

    private final Mode mode;
    private final int minTokens;
    private final int maxTokens;
    private final Locale locale;

    /** Creates a chunker; {@code maxTokens} bounds a chunk's length (≥ minTokens ≥ 1). */
    public SentenceChunker(Mode mode, int minTokens, int maxTokens) {
        if (minTokens < 1 || maxTokens < minTokens) {
            throw new InvalidRequestException("sentence chunks need 1 ≤ min_tokens ≤ max_tokens, got " + minTokens
                    + " and " + maxTokens);
        }
        this.mode = mode;
        this.minTokens = minTokens;
        this.maxTokens = maxTokens;
        this.locale = Locale.ENGLISH;
    }

    @Override
    public List<Chunk> chunk(TextTokenizer tokenizer, String prompt, String target) {
        TargetTokens t = TargetTokens.of(tokenizer, prompt, target);
        String text = t.text();
        List<Integer> charCuts = new ArrayList<>();
        boolean lines = mode == Mode.LINES || (mode == Mode.AUTO && looksLined(text));
        if (lines) {
            for (int i = text.indexOf('\n'); i >= 0 && i < text.length() - 1; i = text.indexOf('\n', i + 1)) {
                charCuts.add(i + 1);
            }
        } else {
            BreakIterator it = BreakIterator.getSentenceInstance(locale);
            it.setText(text);
            for (int b = it.next(); b != BreakIterator.DONE && b < text.length(); b = it.next()) {
                if (!afterAbbreviation(text, b)) {
                    charCuts.add(b);
                }
            }
        }
        // character boundaries → token boundaries, then merge short and split long chunks
        List<Integer> cuts = new ArrayList<>();
        int start = 0;
        for (int c : charCuts) {
            int k = t.cutAtOrBeforeChar(c);
            start = addCuts(t, cuts, start, k);
        }
        addCuts(t, cuts, start, t.size());
        if (!cuts.isEmpty() && t.size() - cuts.get(cuts.size() - 1) < minTokens) {
            cuts.remove(cuts.size() - 1); // a short tail joins the chunk before
        }
        return t.chunks(cuts);
    }

    private int addCuts(TargetTokens t, List<Integer> cuts, int start, int end) {
        if (end - start < minTokens) {
            return start; // too short: the text joins the next chunk
        }
        int s = start;
        while (end - s > maxTokens) {
            int c = t.cutAtOrAfter(s + maxTokens);
            if (c >= end || end - c < minTokens) {
                break; // a remainder shorter than minTokens stays with this piece
            }
            cuts.add(c);
            s = c;
        }
        if (end < t.size()) {
            cuts.add(end);
        }
        return end;
    }

    /** Titles and abbreviations after which BreakIterator's rules wrongly end a sentence. */
    private static final java.util.Set<String> ABBREVIATIONS = java.util.Set.of("mr", "mrs", "ms", "dr", "prof", "st",
            "jr", "sr", "vs", "etc", "e.g", "i.e", "no", "fig", "approx", "inc", "ltd", "co", "gen", "gov", "sen", "rep");

    /** Returns true when the break at {@code b} follows a known abbreviation such as "Dr." (no sentence end). */
    private static boolean afterAbbreviation(String text, int b) {
        int end = b;
        while (end > 0 && Character.isWhitespace(text.charAt(end - 1))) {
            end--;
        }
        if (end == 0 || text.charAt(end - 1) != '.') {
            return false;
        }
        int start = end - 1;
        while (start > 0 && !Character.isWhitespace(text.charAt(start - 1))) {
            start--;
        }
        String word = text.substring(start, end - 1).toLowerCase(Locale.ROOT);
        return ABBREVIATIONS.contains(word);
    }

    /**
     * Returns true when {@code text} reads as code or verse: at least three non-empty lines, most of which
     * do not end like a sentence (with {@code . ! ? :} or a closing quote).
     */
    public static boolean looksLined(String text) {
        int lines = 0;
        int prose = 0;
        for (String line : text.split("\n")) {
            String l = line.strip();
            if (l.isEmpty()) {
                continue;
            }
            lines++;
            char last = l.charAt(l.length() - 1);
            if (".!?\"'”".indexOf(last) >= 0 && l.length() > 60) {
                prose++;
            }
        }
        return lines >= 3 && prose * 2 < lines;
    }

    @Override
    public String toString() {
        return "sentences(" + mode.name().toLowerCase(Locale.ROOT) + ", " + minTokens + ".." + maxTokens + " tokens)";
    }
}
