package dev.amend.spi;

import dev.amend.spi.edit.EditRequest;
import dev.amend.spi.model.TextTokenizer;

/** Says which token of a tokenized prompt carries a fact. */
public interface Locator {

    /**
     * Returns the index (into the ids of {@code prefix + prompt-with-subject}, BOS included when the
     * tokenizer adds one) of the token that carries the fact.
     *
     * @param tokenizer the model's tokenizer
     * @param prefix    context text put before the prompt (may be empty)
     * @param request   the edit request
     */
    int locate(TextTokenizer tokenizer, String prefix, EditRequest request);
}
