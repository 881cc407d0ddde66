package dev.amend.spi.model;

import java.util.Objects;

/**
 * The MLP output projection of one block: the weight locate-then-edit methods change.
 *
 * @param layer       block index
 * @param module      module name as in the checkpoint, e.g. {@code transformer.h.3.mlp.c_proj}
 * @param weight      weight tensor name, e.g. {@code transformer.h.3.mlp.c_proj.weight}
 * @param layout      how the weight is stored
 * @param inFeatures  size of a key (d_ff)
 * @param outFeatures size of a value (d)
 */
public record EditPoint(int layer, String module, String weight, WeightLayout layout, int inFeatures, int outFeatures) {
    /** Checks the fields. */
    public EditPoint {
        Objects.requireNonNull(module, "module");
        Objects.requireNonNull(weight, "weight");
        Objects.requireNonNull(layout, "layout");
        if (layer < 0 || inFeatures <= 0 || outFeatures <= 0) {
            throw new IllegalArgumentException("bad edit point " + module);
        }
    }
}
