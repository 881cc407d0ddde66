package dev.amend.spi;

import dev.amend.spi.edit.Chunk;
import dev.amend.spi.model.TextTokenizer;
import java.util.List;

/** Splits a long target into consecutive chunks whose token spans cover it exactly. */
public interface Chunker {

    /** Returns the chunks of {@code target} as the model's tokenizer sees it after {@code prompt}. */
    List<Chunk> chunk(TextTokenizer tokenizer, String prompt, String target);
}
