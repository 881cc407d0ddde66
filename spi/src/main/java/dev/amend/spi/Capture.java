package dev.amend.spi;

import java.util.Objects;

/**
 * Asks a forward pass to return the hidden state at a site of a layer, for every sequence and position.
 *
 * @param layer block index
 * @param site  where in the block
 */
public record Capture(int layer, Site site) {
    /** Checks the fields. */
    public Capture {
        Objects.requireNonNull(site, "site");
        if (layer < 0) {
            throw new IllegalArgumentException("negative layer in capture");
        }
    }
}
