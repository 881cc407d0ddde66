package dev.amend.server.limits;

import dev.amend.spi.InvalidRequestException;

/**
 * How much one generation may ask for, checked before the prompt is tokenized: REST and gRPC generations both pass
 * here, so they refuse the same requests with the same messages.
 *
 * @param maxPromptChars characters of the prompt at most ({@code amend.generate.max-prompt-chars})
 * @param maxNewTokens   new tokens at most ({@code amend.generate.max-new-tokens})
 * @param maxTemperature the highest sampling temperature ({@code amend.generate.max-temperature})
 */
public record GenerationLimits(int maxPromptChars, int maxNewTokens, double maxTemperature) {
    /** Returns normally when the request is within the limits; else throws {@link InvalidRequestException} saying what to fix. */
    public void check(String prompt, int newTokens, double temperature, int topK) {
        if (prompt == null || prompt.isBlank()) {
            throw new InvalidRequestException("prompt: give a non-empty prompt");
        }
        if (prompt.length() > maxPromptChars) {
            throw new InvalidRequestException("prompt: the prompt is " + prompt.length() + " characters: at most "
                    + maxPromptChars + " (amend.generate.max-prompt-chars)");
        }
        if (newTokens < 0) {
            throw new InvalidRequestException("maxNewTokens: maxNewTokens must be >= 0");
        }
        if (newTokens > maxNewTokens) {
            throw new InvalidRequestException("maxNewTokens: maxNewTokens must be <= " + maxNewTokens
                    + " (amend.generate.max-new-tokens)");
        }
        if (!Double.isFinite(temperature) || temperature < 0 || temperature > maxTemperature) {
            throw new InvalidRequestException("temperature: temperature must be a finite number in 0.."
                    + maxTemperature + ", got " + temperature);
        }
        if (topK < 0) {
            throw new InvalidRequestException("topK: topK must be >= 0");
        }
    }
}
