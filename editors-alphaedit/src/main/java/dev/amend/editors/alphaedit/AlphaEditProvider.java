package dev.amend.editors.alphaedit;

import dev.amend.kit.HyperparameterDefaults;
import dev.amend.spi.Editor;
import dev.amend.spi.EditorProvider;
import dev.amend.spi.model.ModelArchitecture;

/** Registers AlphaEdit ({@code alphaedit}) with ServiceLoader. */
public final class AlphaEditProvider implements EditorProvider<AlphaEditHyperparameters> {
    /** The method's version, recorded in every edit. */
    public static final String VERSION = "1.0.0";
    /** Metadata key under which an edit stores its keys per layer (K [d_ff, n], row-major floats). */
    public static final String KEYS = "alphaedit_keys";
    /**
     * Metadata key under which an edit made with {@code preserve_prompt_tokens} stores, per layer, the keys at the
     * other tokens of its bare prompts and targets ([d_ff, m], row-major floats): later edits keep these as well.
     */
    public static final String PROMPT_KEYS = "alphaedit_prompt_keys";

    @Override
    public String name() {
        return "alphaedit";
    }

    @Override
    public String version() {
        return VERSION;
    }

    @Override
    public String description() {
        return "AlphaEdit: MEMIT with the update in the null space of preserved keys; sequential edits accumulate keys";
    }

    @Override
    public Class<AlphaEditHyperparameters> hyperparameterType() {
        return AlphaEditHyperparameters.class;
    }

    @Override
    public AlphaEditHyperparameters defaults(ModelArchitecture architecture) {
        return HyperparameterDefaults.load(AlphaEditHyperparameters.class, AlphaEditHyperparameters.BASE,
                AlphaEditProvider.class, "defaults.json", architecture);
    }

    @Override
    public Editor create(AlphaEditHyperparameters h) {
        return new AlphaEditEditor(h);
    }
}
