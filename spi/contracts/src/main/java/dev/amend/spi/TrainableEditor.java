package dev.amend.spi;

import dev.amend.spi.edit.TrainingOptions;

/**
 * A learned editing method that can be trained for a model (e.g. MEND's hypernetwork): a capability a
 * method's provider offers besides {@link EditorProvider}. Hosts and tools find it through the registry by
 * the method's name and train with the returned {@link EditorTrainer}.
 *
 * @param <H> the method's hyperparameter record
 */
public interface TrainableEditor<H extends Hyperparameters> extends MethodProvider<H> {

    /**
     * Returns a trainer with {@code hyperparameters} (already bound and checked) and {@code options}; the options'
     * seed and step limit, where set, take the place of the hyperparameters' own.
     */
    EditorTrainer trainer(H hyperparameters, TrainingOptions options);
}
