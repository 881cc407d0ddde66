package dev.amend.kit;

import dev.amend.spi.Chunker;
import dev.amend.spi.InvalidRequestException;
import dev.amend.spi.edit.Chunk;
import dev.amend.spi.model.TextTokenizer;
import java.util.ArrayList;
import java.util.List;

/**
 * Cuts a target into windows of a fixed number of tokens (AnyEdit's {@code window_size}/{@code overlap}).
 *
 * <p>As AnyEdit's code does, windows start every {@code size − overlap} tokens and are {@code size} tokens
 * long (the last may be shorter), and each window is a whole chunk: its first {@code overlap} tokens, which
 * the window before also emits, are part of its target, and its key is the token before the window, so
 * before the overlap. Windows stop once one reaches the end of the target (AnyEdit's code goes on with a
 * window lying inside the last one, which adds no token). A boundary that would fall inside a character (a
 * multi-byte character split over two byte-level tokens) moves to the next token boundary. With overlap 0
 * the chunks are plain windows that tile the target.
 */
public final class FixedWindowChunker implements Chunker {
    private final int size;
    private final int overlap;

    /** Creates a chunker with windows of {@code size} tokens overlapping by {@code overlap} (0 ≤ overlap < size). */
    public FixedWindowChunker(int size, int overlap) {
        if (size < 1 || overlap < 0 || overlap >= size) {
            throw new InvalidRequestException("window size must be ≥ 1 and 0 ≤ overlap < size, got size " + size
                    + ", overlap " + overlap);
        }
        this.size = size;
        this.overlap = overlap;
    }

    /** Returns the window size in tokens. */
    public int size() {
        return size;
    }

    /** Returns the overlap in tokens. */
    public int overlap() {
        return overlap;
    }

    @Override
    public List<Chunk> chunk(TextTokenizer tokenizer, String prompt, String target) {
        TargetTokens t = TargetTokens.of(tokenizer, prompt, target);
        List<Chunk> out = new ArrayList<>();
        int start = 0;
        while (true) {
            int end = t.cutAtOrAfter(start + size);
            out.add(t.chunk(start, end));
            if (end >= t.size()) {
                return out;
            }
            start = t.cutAtOrAfter(start + size - overlap);   // in (start, end]: the windows leave no gap
        }
    }

    @Override
    public String toString() {
        return "window(" + size + ", overlap " + overlap + ")";
    }
}
