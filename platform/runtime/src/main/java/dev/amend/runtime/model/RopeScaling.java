package dev.amend.runtime.model;

/**
 * Hugging Face {@code rope_scaling}.
 *
 * @param type                  {@code linear} or {@code llama3}
 * @param factor                scaling factor
 * @param lowFreqFactor         llama3 only
 * @param highFreqFactor        llama3 only
 * @param originalMaxPositions  llama3 only: {@code original_max_position_embeddings}
 */
public record RopeScaling(String type, double factor, double lowFreqFactor, double highFreqFactor,
                          int originalMaxPositions) {
}
