package dev.amend.editors.ultraedit;

import dev.amend.kit.HyperparameterDefaults;
import dev.amend.spi.Editor;
import dev.amend.spi.EditorProvider;
import dev.amend.spi.model.ModelArchitecture;

/** Registers UltraEdit ({@code ultraedit}) with ServiceLoader. */
public final class UltraEditProvider implements EditorProvider<UltraEditHyperparameters> {
    /** The method's name. */
    public static final String NAME = "ultraedit";
    /** The method's version, recorded in every edit. */
    public static final String VERSION = "1.0.0";
    /**
     * Metadata key under which an edit stores the moments of its batch's rows {@code [key, gradient]} ({@code rows},
     * {@code mean} and {@code m2}, float arrays of d_ff + d values): the lifelong normalisation is their fold over
     * the history.
     */
    public static final String MOMENTS = "ultraedit_moments";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String version() {
        return VERSION;
    }

    @Override
    public String description() {
        return "UltraEdit: lifelong editing without layer statistics or training; each batch solved in closed form"
                + " from its keys and lifelong-normalised loss gradients";
    }

    @Override
    public Class<UltraEditHyperparameters> hyperparameterType() {
        return UltraEditHyperparameters.class;
    }

    @Override
    public UltraEditHyperparameters defaults(ModelArchitecture architecture) {
        return HyperparameterDefaults.load(UltraEditHyperparameters.class, UltraEditHyperparameters.BASE,
                UltraEditProvider.class, "defaults.json", architecture);
    }

    @Override
    public Editor create(UltraEditHyperparameters hyperparameters) {
        return new UltraEditEditor(hyperparameters);
    }
}
