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
 * <p>Windows start every {@code size − overlap} tokens and are {@code size} tokens long, as in AnyEdit;
 * the first {@code overlap} tokens of every window after the first were already emitted by the window
 * before, so they are context, not part of the chunk. The emitted spans therefore never overlap: the
 * first chunk has {@code size} tokens and every later one {@code size − overlap} (the last may be
 * shorter). A boundary that would fall inside a character (a multi-byte character split over two
 * byte-level tokens) moves to the next token boundary. With overlap 0 the chunks are plain windows.
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
        List<Integer> cuts = new ArrayList<>();
        int cut = t.cutAtOrAfter(size);
        while (cut < t.size()) {
            cuts.add(cut);
            cut = t.cutAtOrAfter(cut + size - overlap);
        }
        return t.chunks(cuts);
    }

    @Override
    public String toString() {
        return "window(" + size + ", overlap " + overlap + ")";
    }
}
