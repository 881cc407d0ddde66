package dev.amend.spi.model;

import ai.djl.ndarray.NDArray;
import java.util.Objects;

/**
 * Adds {@code delta} to the MLP output projection of one block for one forward pass only, differentiably:
 * the block computes {@code (W + delta) key}. A learned editor (MEND) trains through it; the stored
 * weights do not change.
 *
 * @param layer block whose edit point is offset
 * @param delta shape [out, in] ([d, d_ff]) whatever the stored layout; may require gradients
 */
public record WeightOffset(int layer, NDArray delta) {
    /** Checks the fields. */
    public WeightOffset {
        Objects.requireNonNull(delta, "delta");
        if (layer < 0) {
            throw new IllegalArgumentException("negative layer in weight offset");
        }
    }
}
