package dev.amend.spi.model;

import ai.djl.ndarray.NDArray;
import java.util.Objects;

/**
 * Adds a vector to the hidden state at one site, one sequence of the batch and one position.
 * The vector may require gradients: the forward pass is differentiable in it.
 *
 * @param layer    block index
 * @param site     {@link Site#MLP_OUTPUT} or {@link Site#LAYER_OUTPUT} (or {@link Site#LAYER_INPUT})
 * @param row      index of the sequence in the batch
 * @param position token position inside that sequence
 * @param vector   shape [d]
 */
public record Intervention(int layer, Site site, int row, int position, NDArray vector) {
    /** Checks the fields. */
    public Intervention {
        Objects.requireNonNull(site, "site");
        Objects.requireNonNull(vector, "vector");
        if (site == Site.MLP_KEY) {
            throw new IllegalArgumentException("interventions add to a d-sized stream; MLP_KEY is d_ff-sized");
        }
        if (layer < 0 || row < 0 || position < 0) {
            throw new IllegalArgumentException("negative layer, row or position in intervention");
        }
    }
}
