package dev.amend.kit;

import dev.amend.spi.InvalidRequestException;
import dev.amend.spi.edit.Chunk;
import dev.amend.spi.model.TextTokenizer;
import java.util.ArrayList;
import java.util.List;

/**
 * A target as the model's tokenizer sees it after a prompt: its ids, its decoded text, and for each
 * token boundary the character offset in that text (-1 where the boundary falls inside a character,
 * e.g. between the bytes of one UTF-8 character split over two byte-level tokens). Chunkers cut only
 * at boundaries with an offset, so the chunks' texts concatenate to the decoded target exactly.
 *
 * @param ids     the target's ids after the prompt
 * @param text    the decoded ids
 * @param offsets size ids.length + 1: character offset of each boundary, or -1
 */
public record TargetTokens(int[] ids, String text, int[] offsets) {

    /** Returns the target's tokens after {@code prompt}, or throws when the target encodes to nothing. */
    public static TargetTokens of(TextTokenizer tokenizer, String prompt, String target) {
        int[] ids = tokenizer.encodeContinuation(prompt, target);
        if (ids.length == 0) {
            throw new InvalidRequestException("the target \"" + target + "\" encodes to no tokens");
        }
        String text = tokenizer.decode(ids);
        int[] offsets = new int[ids.length + 1];
        offsets[ids.length] = text.length();
        for (int k = 1; k < ids.length; k++) {
            String head = tokenizer.decode(java.util.Arrays.copyOf(ids, k));
            offsets[k] = text.startsWith(head) && !head.endsWith("\uFFFD") ? head.length() : -1;
        }
        return new TargetTokens(ids, text, offsets);
    }

    /** Returns the number of tokens. */
    public int size() {
        return ids.length;
    }

    /** Returns true when a chunk may start at token {@code k} (0 and size() always may). */
    public boolean cuttable(int k) {
        return offsets[k] >= 0;
    }

    /** Returns the smallest cuttable boundary at or after {@code k}. */
    public int cutAtOrAfter(int k) {
        int i = Math.max(0, k);
        while (i < ids.length && !cuttable(i)) {
            i++;
        }
        return Math.min(i, ids.length);
    }

    /** Returns the largest cuttable boundary whose character offset is at most {@code charOffset}. */
    public int cutAtOrBeforeChar(int charOffset) {
        int best = 0;
        for (int k = 0; k <= ids.length; k++) {
            if (cuttable(k) && offsets[k] <= charOffset) {
                best = k;
            }
        }
        return best;
    }

    /** Returns the chunk of tokens {@code start} (inclusive) to {@code end} (exclusive), both cuttable. */
    public Chunk chunk(int start, int end) {
        if (start < 0 || end > ids.length || end <= start || !cuttable(start) || !cuttable(end)) {
            throw new IllegalArgumentException("no chunk from token " + start + " to " + end + " of " + ids.length);
        }
        return new Chunk(text.substring(offsets[start], offsets[end]), start, end);
    }

    /** Returns the text of the target before token {@code k} (a cuttable boundary). */
    public String textBefore(int k) {
        if (!cuttable(k)) {
            throw new IllegalArgumentException("token " + k + " does not start at a character boundary");
        }
        return text.substring(0, offsets[k]);
    }

    /** Returns the chunks between the given ascending token boundaries (0 and size() are added; duplicates dropped). */
    public List<Chunk> chunks(List<Integer> boundaries) {
        List<Chunk> out = new ArrayList<>();
        int start = 0;
        List<Integer> cuts = new ArrayList<>(boundaries);
        cuts.add(ids.length);
        for (int cut : cuts) {
            if (cut <= start || cut > ids.length) {
                continue;
            }
            out.add(new Chunk(text.substring(offsets[start], offsets[cut]), start, cut));
            start = cut;
        }
        return out;
    }
}
