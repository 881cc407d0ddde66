package dev.amend.spi;

import dev.amend.spi.edit.Chunk;
import dev.amend.spi.model.TextTokenizer;
import java.util.List;

/**
 * Splits a long target into consecutive chunks whose token spans cover it: the first starts at its first token,
 * the last ends at its last, and each starts after the one before starts and no later than it ends (chunks of
 * overlapping windows share tokens; otherwise they tile the target).
 */
public interface Chunker {

    /** Returns the chunks of {@code target} as the model's tokenizer sees it after {@code prompt}. */
    List<Chunk> chunk(TextTokenizer tokenizer, String prompt, String target);
}
