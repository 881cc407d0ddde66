package dev.amend.spi.model;

/**
 * A produced continuation.
 *
 * @param promptIds    the prompt's ids
 * @param generatedIds the new ids only
 * @param text         the decoded new ids
 */
public record GenerationResult(int[] promptIds, int[] generatedIds, String text) {
}
