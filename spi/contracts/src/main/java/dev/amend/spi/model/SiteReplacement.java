package dev.amend.spi.model;

import ai.djl.ndarray.NDArray;
import java.util.Objects;

/**
 * Sets the hidden state at one site to given values where a mask says so: restores a saved state (causal tracing
 * puts a clean run's state back into a corrupted run). Applied after the site's interventions and additions, so a
 * capture at the same site sees the replaced values. Differentiable in {@code values}.
 *
 * @param layer  block index
 * @param site   any site; {@code values} has that site's width
 * @param mask   shape [B, T], 1 where the state is replaced and 0 where it is kept
 * @param values shape [B, T, width], or [1, T, width] to use the same values for every sequence
 */
public record SiteReplacement(int layer, Site site, NDArray mask, NDArray values) {
    /** Checks the fields. */
    public SiteReplacement {
        Objects.requireNonNull(site, "site");
        Objects.requireNonNull(mask, "mask");
        Objects.requireNonNull(values, "values");
        if (layer < 0) {
            throw new IllegalArgumentException("negative layer in site replacement");
        }
    }
}
