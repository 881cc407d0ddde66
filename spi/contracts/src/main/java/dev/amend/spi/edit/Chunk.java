package dev.amend.spi.edit;

/**
 * A piece of a long target.
 *
 * @param text       the chunk's text
 * @param tokenStart index of the chunk's first token in the target's token ids
 * @param tokenEnd   index after the chunk's last token
 */
public record Chunk(String text, int tokenStart, int tokenEnd) {
}
