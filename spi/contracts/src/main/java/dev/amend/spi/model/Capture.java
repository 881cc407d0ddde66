package dev.amend.spi.model;

import dev.amend.spi.InvalidRequestException;
import java.util.Objects;

/**
 * Asks a forward pass to return the hidden state at a site of a layer, for every sequence and position.
 *
 * @param layer block index
 * @param site  where in the block
 */
public record Capture(int layer, Site site) {
    /**
     * Returns the capture of a named module's input or output: the MLP output projection
     * ({@code transformer.h.3.mlp.c_proj}, {@code model.layers.3.mlp.down_proj}: input = the key, output =
     * the value) or a whole block ({@code transformer.h.3}, {@code model.layers.3}: the residual stream
     * entering or leaving it).
     */
    public static Capture module(ModelArchitecture arch, String module, boolean input) {
        for (EditPoint p : arch.editPoints()) {
            if (p.module().equals(module)) {
                return new Capture(p.layer(), input ? Site.MLP_KEY : Site.MLP_OUTPUT);
            }
            String block = p.module().substring(0, p.module().indexOf(".mlp."));
            if (block.equals(module)) {
                return new Capture(p.layer(), input ? Site.LAYER_INPUT : Site.LAYER_OUTPUT);
            }
        }
        throw new InvalidRequestException("module \"" + module + "\" cannot be captured: name a block (e.g. \""
                + arch.editPoint(0).module().substring(0, arch.editPoint(0).module().indexOf(".mlp."))
                + "\") or an MLP output projection (e.g. \"" + arch.editPoint(0).module() + "\")");
    }

    /** Checks the fields. */
    public Capture {
        Objects.requireNonNull(site, "site");
        if (layer < 0) {
            throw new IllegalArgumentException("negative layer in capture");
        }
    }
}
