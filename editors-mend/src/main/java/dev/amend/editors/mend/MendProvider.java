package dev.amend.editors.mend;

import dev.amend.kit.HyperparameterDefaults;
import dev.amend.spi.Editor;
import dev.amend.spi.EditorProvider;
import dev.amend.spi.EditorTrainer;
import dev.amend.spi.TrainableEditor;
import dev.amend.spi.edit.TrainingOptions;
import dev.amend.spi.model.ModelArchitecture;

/** Registers MEND ({@code mend}) with ServiceLoader, as an editor and as a method that can be trained. */
public final class MendProvider implements EditorProvider<MendHyperparameters>, TrainableEditor<MendHyperparameters> {
    /** The method's version, recorded in every edit. */
    public static final String VERSION = "1.0.0";

    @Override
    public String name() {
        return "mend";
    }

    @Override
    public String version() {
        return VERSION;
    }

    @Override
    public String description() {
        return "MEND: a trained hypernetwork maps the fine-tuning gradient's factors to an update (milliseconds per"
                + " edit; shipped for the demo model, ./amend train-mend for others)";
    }

    @Override
    public Class<MendHyperparameters> hyperparameterType() {
        return MendHyperparameters.class;
    }

    @Override
    public MendHyperparameters defaults(ModelArchitecture architecture) {
        return HyperparameterDefaults.load(MendHyperparameters.class, MendHyperparameters.BASE, MendProvider.class,
                "defaults.json", architecture);
    }

    @Override
    public Editor create(MendHyperparameters hyperparameters) {
        return new MendEditor(hyperparameters);
    }

    @Override
    public EditorTrainer trainer(MendHyperparameters hyperparameters, TrainingOptions options) {
        return new MendEditorTrainer(hyperparameters, options);
    }
}
