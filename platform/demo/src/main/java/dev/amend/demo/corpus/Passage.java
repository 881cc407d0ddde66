package dev.amend.demo.corpus;

/**
 * A short multi-sentence text about one subject, built from its facts.
 *
 * @param subject the subject
 * @param text    2-4 sentences
 */
public record Passage(String subject, String text) {
}
