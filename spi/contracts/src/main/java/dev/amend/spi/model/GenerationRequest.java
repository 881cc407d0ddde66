package dev.amend.spi.model;

import dev.amend.spi.InvalidRequestException;
import java.util.Objects;

/**
 * A text continuation to produce.
 *
 * @param promptIds     prompt token ids (BOS included where the model uses one)
 * @param maxNewTokens  how many tokens to add at most
 * @param sampling      greedy or seeded sampling
 * @param stopAtEos     stop when the end-of-text token is produced (it is not included)
 */
public record GenerationRequest(int[] promptIds, int maxNewTokens, Sampling sampling, boolean stopAtEos) {
    /** Checks the fields. */
    public GenerationRequest {
        Objects.requireNonNull(promptIds, "promptIds");
        Objects.requireNonNull(sampling, "sampling");
        if (promptIds.length == 0) {
            throw new InvalidRequestException("the prompt is empty: give at least one token");
        }
        if (maxNewTokens < 0) {
            throw new InvalidRequestException("maxNewTokens must be >= 0, got " + maxNewTokens);
        }
    }

    /** Returns a greedy request that stops at end-of-text. */
    public static GenerationRequest greedy(int[] promptIds, int maxNewTokens) {
        return new GenerationRequest(promptIds, maxNewTokens, Sampling.GREEDY, true);
    }
}
