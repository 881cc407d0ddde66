package dev.amend.spi.model;

import ai.djl.ndarray.NDArray;
import java.util.Objects;

/**
 * Adds a whole tensor to the hidden state at one site, for every sequence and position at once. With a
 * zero tensor that requires gradients it reads out the gradient of a loss with respect to that site per
 * token (MEND's δ at the output of an edited weight).
 *
 * @param layer  block index
 * @param site   any site; the tensor has that site's shape
 * @param values shape [B, T, width] with T the longest sequence of the pass; may require gradients
 */
public record SiteAddition(int layer, Site site, NDArray values) {
    /** Checks the fields. */
    public SiteAddition {
        Objects.requireNonNull(site, "site");
        Objects.requireNonNull(values, "values");
        if (layer < 0) {
            throw new IllegalArgumentException("negative layer in site addition");
        }
    }
}
