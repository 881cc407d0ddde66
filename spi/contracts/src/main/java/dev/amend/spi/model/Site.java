package dev.amend.spi.model;

/** A point inside a transformer block where a vector can be captured or added. */
public enum Site {
    /** Residual stream entering block {@code l} (for {@code l == 0}: the embeddings). Shape [B, T, d]. */
    LAYER_INPUT,
    /** Input of the MLP output projection of block {@code l}: the "key" (after the activation). Shape [B, T, d_ff]. */
    MLP_KEY,
    /**
     * Output of the attention sub-block of block {@code l} (after its output projection, bias included), before it
     * is added to the residual stream. Shape [B, T, d].
     */
    ATTENTION_OUTPUT,
    /** Output of the MLP output projection of block {@code l} (bias included): the "value". Shape [B, T, d]. */
    MLP_OUTPUT,
    /** Residual stream leaving block {@code l}. Shape [B, T, d]. */
    LAYER_OUTPUT
}
