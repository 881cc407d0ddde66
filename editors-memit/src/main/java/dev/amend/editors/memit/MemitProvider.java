package dev.amend.editors.memit;

import dev.amend.kit.HyperparameterDefaults;
import dev.amend.spi.Editor;
import dev.amend.spi.EditorProvider;
import dev.amend.spi.model.ModelArchitecture;

/** Registers MEMIT ({@code memit}) with ServiceLoader. */
public final class MemitProvider implements EditorProvider<MemitHyperparameters> {
    /** The method's version, recorded in every edit. */
    public static final String VERSION = "1.0.0";

    @Override
    public String name() {
        return "memit";
    }

    @Override
    public String version() {
        return VERSION;
    }

    @Override
    public String description() {
        return "MEMIT: a batch of facts spread over several layers, ΔW = R Kᵀ (λC + K Kᵀ)⁻¹ per layer";
    }

    @Override
    public Class<MemitHyperparameters> hyperparameterType() {
        return MemitHyperparameters.class;
    }

    @Override
    public MemitHyperparameters defaults(ModelArchitecture architecture) {
        return HyperparameterDefaults.load(MemitHyperparameters.class, MemitHyperparameters.BASE, MemitProvider.class,
                "defaults.json", architecture);
    }

    @Override
    public Editor create(MemitHyperparameters h) {
        return new MemitEditor(h);
    }
}
